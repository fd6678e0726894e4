// The process owners' modeler page: bpmn-js Modeler with the Camunda 7 properties panel and the "Alur"
// group; check the model (engine deploy checks + bpmnlint, each problem on its element), deploy a new
// version with a change note, download the .bpmn. window.alurModeler reports state to people and tests.
import BpmnModeler from 'bpmn-js/lib/Modeler';
import {
  BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, CamundaPlatformPropertiesProviderModule
} from 'bpmn-js-properties-panel';
import CamundaBehaviorsModule from 'camunda-bpmn-js-behaviors/lib/camunda-platform';
import camundaModdle from 'camunda-bpmn-moddle/resources/camunda.json';

import { AlurPropertiesModule } from './alur_provider';
import { wireUpload } from './upload';
import { panelModules } from './panel';
import { wireDrafts } from './drafts';
import { renderTrial, wireTrial } from './trial';
import { usedForms, wireFormPanel } from './form_panel';
import { startDiff } from './diff_view';
import './modeler.css';

let WORDS = {};  // set by start(), before anything is said
const root = document.getElementById('alur-modeler');
const state = window.alurModeler = {
  ready: false, error: null, problems: null, lintNote: '', deployed: null, dirty: false, busy: false,
  select: null, trial: null
};

if (root) { start(JSON.parse(document.getElementById('alur-modeler-config').textContent)); }
const diffRoot = document.getElementById('alur-diff');
if (diffRoot) { startDiff(diffRoot); }

// The page's words, in the UI's language (web/model_trial.py: modeler_words); the script holds none.
function w(key, values) {
  let text = WORDS[key] || key;
  Object.entries(values || {}).forEach(([name, value]) => { text = text.replace(`%(${name})s`, value); });
  return text;
}

function start(config) {
  WORDS = config.words || {};
  const modeler = new BpmnModeler({
    container: '#modeler-canvas',
    propertiesPanel: { parent: '#modeler-properties', layout: { groups: { general: { open: true }, alur: { open: true } } } },
    additionalModules: [BpmnPropertiesPanelModule, BpmnPropertiesProviderModule,
      CamundaPlatformPropertiesProviderModule, CamundaBehaviorsModule, AlurPropertiesModule,
      ...panelModules(config.lang)],
    moddleExtensions: { camunda: camundaModdle },
    alur: config.alur = { roles: config.roles, forms: config.forms, lang: config.lang, formFields: config.formFields || {} }
  });
  state.modeler = modeler;
  state.select = (id) => select(modeler, id);
  const status = document.getElementById('modeler-status');

  fetch(config.xmlUrl, { credentials: 'same-origin' })
    .then((response) => {
      if (!response.ok) { throw new Error('HTTP ' + response.status); }
      return response.text();
    })
    .then((xml) => modeler.importXML(xml))
    .then((result) => {
      state.warnings = (result.warnings || []).map((w) => w.message || String(w));
      modeler.get('canvas').zoom('fit-viewport', 'auto');
      modeler.on('commandStack.changed', () => { state.dirty = true; });
      state.ready = true;
    })
    .catch((error) => {
      state.error = String((error && error.message) || error);
      state.ready = true;
      say(status, w('cannot_open', { error: state.error }), 'error');
    });

  document.getElementById('modeler-check').addEventListener('click', () => {
    run(status, async () => {
      const body = await send(config.checkUrl, { xml: await currentXml(modeler), forms: usedForms(modeler, state) },
        config.csrfToken);
      if (body.code === 'invalid_input') { say(status, body.message, 'error'); return; }
      showProblems(modeler, body.problems, body.lint_note);
      say(status, body.ok ? w('check_ok') : w('check_failed', { count: countErrors(body.problems) }),
        body.ok ? 'success' : 'error');
    });
  });

  document.getElementById('modeler-deploy').addEventListener('submit', (event) => {
    event.preventDefault();
    const note = document.getElementById('modeler-change-note').value.trim();
    if (!note) {
      say(status, w('note_missing'), 'error');
      document.getElementById('modeler-change-note').focus();
      return;
    }
    run(status, async () => {
      const body = await send(config.deployUrl, { xml: await currentXml(modeler), change_note: note,
        forms: usedForms(modeler, state) }, config.csrfToken);
      showProblems(modeler, body.problems || [], body.lint_note || '');
      if (body.trial) {
        state.trial = body.trial;
        renderTrial(body.trial, config.words || {}, state);
      }
      if (!body.deployed) {
        say(status, body.message || w('deploy_refused'), 'error');
        return;
      }
      state.deployed = body;
      state.dirty = false;
      say(status, body.message, 'success', [[w('see_versions'), body.versions_url],
        [w('see_document'), body.document_url]]);
    });
  });

  document.getElementById('modeler-download').addEventListener('click', () => {
    run(status, async () => {
      const blob = new Blob([await currentXml(modeler)], { type: 'application/xml' });
      const link = document.createElement('a');
      link.href = URL.createObjectURL(blob);
      link.download = config.processKey + '.bpmn';
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 1000);
    });
  });

  wireUpload(modeler, config, state, (text, kind) => say(status, text, kind));
  wireDrafts(modeler, config, state, (action) => run(status, action), (text, kind) => say(status, text, kind));
  wireFormPanel(modeler, config, state);
  wireTrial(modeler, config, state, (action) => run(status, action), (text, kind) => say(status, text, kind),
    (problems, lintNote) => showProblems(modeler, problems, lintNote));

  const versions = document.getElementById('modeler-version');
  if (versions) {
    versions.addEventListener('change', () => { window.location.href = versions.value; });
  }
  window.addEventListener('beforeunload', (event) => {
    if (state.dirty && !state.deployed) { event.preventDefault(); event.returnValue = ''; }
  });
}

async function currentXml(modeler) {
  const { xml } = await modeler.saveXML({ format: true });
  return xml;
}

async function send(url, payload, csrfToken) {
  const response = await fetch(url, {
    method: 'POST', credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', 'X-CSRFToken': csrfToken, Accept: 'application/json' },
    body: JSON.stringify(payload)
  });
  const type = response.headers.get('Content-Type') || '';
  if (!type.includes('application/json')) { throw new Error('HTTP ' + response.status); }
  return response.json();
}

async function run(status, action) {
  if (state.busy) { return; }
  state.busy = true;
  document.querySelectorAll('.modeler-actions button').forEach((b) => { b.disabled = true; });
  try {
    await action();
  } catch (error) {
    say(status, w('failed', { error: (error && error.message) || error }), 'error');
  } finally {
    state.busy = false;
    document.querySelectorAll('.modeler-actions button').forEach((b) => { b.disabled = false; });
  }
}

function countErrors(problems) {
  return problems.filter((p) => p.severity === 'error' && p.source === 'alur').length;
}

function say(status, text, kind, links) {
  status.textContent = '';
  status.className = 'flash flash-' + (kind === 'error' ? 'error' : kind === 'success' ? 'success' : 'info');
  status.appendChild(document.createTextNode(text));
  (links || []).forEach(([label, href]) => {
    const link = document.createElement('a');
    link.href = href;
    link.textContent = label;
    status.appendChild(document.createTextNode(' '));
    status.appendChild(link);
  });
}

function select(modeler, id) {
  const element = modeler.get('elementRegistry').get(id);
  if (!element) { return false; }
  modeler.get('selection').select(element);
  modeler.get('canvas').scrollToElement(element);
  return true;
}

// Each problem as a marker and a badge on its element, and as a line in the list below the diagram.
function showProblems(modeler, problems, lintNote) {
  const canvas = modeler.get('canvas');
  const overlays = modeler.get('overlays');
  const registry = modeler.get('elementRegistry');
  overlays.remove({ type: 'alur-problem' });
  registry.forEach((element) => canvas.removeMarker(element, 'alur-problem'));
  state.problems = problems;
  state.lintNote = lintNote;
  const byElement = {};
  problems.forEach((problem) => {
    if (problem.element_id && registry.get(problem.element_id)) {
      (byElement[problem.element_id] = byElement[problem.element_id] || []).push(problem);
    }
  });
  Object.keys(byElement).forEach((id) => {
    canvas.addMarker(id, 'alur-problem');
    const badge = document.createElement('span');
    badge.className = 'alur-problem-badge';
    badge.textContent = '!' + (byElement[id].length > 1 ? byElement[id].length : '');
    badge.title = byElement[id].map((p) => p.message).join('\n');
    overlays.add(id, 'alur-problem', { position: { top: -10, right: 10 }, html: badge });
  });
  renderList(modeler, problems, lintNote);
}

function renderList(modeler, problems, lintNote) {
  const box = document.getElementById('modeler-problems');
  box.textContent = '';
  const heading = document.createElement('h2');
  heading.textContent = problems.length ? w('problems', { count: problems.length }) : w('no_problems');
  box.appendChild(heading);
  if (lintNote) {
    const note = document.createElement('p');
    note.className = 'muted small';
    note.textContent = lintNote;
    box.appendChild(note);
  }
  if (!problems.length) { return; }
  const list = document.createElement('ul');
  list.className = 'problem-list';
  problems.forEach((problem) => {
    const item = document.createElement('li');
    item.className = 'problem problem-' + problem.severity;
    item.dataset.elementId = problem.element_id || '';
    const source = document.createElement('span');
    source.className = 'badge ' + (problem.source === 'alur' ? 'badge-overdue' : 'badge-warn');
    source.textContent = problem.source === 'alur' ? w('source_deploy') : 'bpmnlint';
    item.appendChild(source);
    item.appendChild(document.createTextNode(' '));
    if (problem.element_id && modeler.get('elementRegistry').get(problem.element_id)) {
      const jump = document.createElement('button');
      jump.type = 'button';
      jump.className = 'btn btn-small btn-ghost';
      jump.textContent = elementLabel(modeler, problem.element_id);
      jump.addEventListener('click', () => select(modeler, problem.element_id));
      item.appendChild(jump);
    } else if (problem.element_id) {
      const code = document.createElement('code');
      code.textContent = problem.element_id;
      item.appendChild(code);
    }
    item.appendChild(document.createTextNode(' ' + problem.message + (problem.line ? ' ' + w('line', { line: problem.line }) : '')));
    list.appendChild(item);
  });
  box.appendChild(list);
}

function elementLabel(modeler, id) {
  const element = modeler.get('elementRegistry').get(id);
  const name = element && element.businessObject && element.businessObject.name;
  return name ? `${name} (${id})` : id;
}
