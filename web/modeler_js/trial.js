// "Uji jalan": run the model being edited in memory on every path (server side, real SpiffWorkflow) and
// show each path as its list of steps with roles and due times; a path that cannot finish is marked and
// its element is shown on the diagram. The deploy answer carries the same report.
import { usedForms } from './form_panel';

export function wireTrial(modeler, config, state, run, say, showProblems) {
  const button = document.getElementById('modeler-trial');
  if (!button || !config.trialUrl) { return; }
  const words = config.words || {};
  button.addEventListener('click', () => {
    run(async () => {
      const { xml } = await modeler.saveXML({ format: true });
      const response = await fetch(config.trialUrl, {
        method: 'POST', credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'X-CSRFToken': config.csrfToken, Accept: 'application/json' },
        body: JSON.stringify({ xml, forms: usedForms(modeler, state) })
      });
      const type = response.headers.get('Content-Type') || '';
      if (!type.includes('application/json')) { throw new Error('HTTP ' + response.status); }
      const body = await response.json();
      state.trial = body;
      if (body.code === 'invalid_input') {
        renderTrial(null, words, state);
      } else if (body.code === 'deployment_refused') {
        showProblems(body.problems || [], '');
        renderTrial(null, words, state);
      } else {
        showProblems((body.problems || []).map((p) => ({ ...p, source: 'alur', severity: 'error' })), '');
        renderTrial(body, words, state);
      }
      say(body.message, body.ok ? 'success' : 'error');
    });
  });
}

export function renderTrial(report, words, state) {
  const box = document.getElementById('modeler-trial-result');
  if (!box) { return; }
  box.textContent = '';
  box.hidden = !report;
  if (!report) { return; }
  const heading = document.createElement('h2');
  heading.textContent = words.trial_heading || 'Uji jalan';
  box.appendChild(heading);
  const intro = document.createElement('p');
  intro.className = 'muted small';
  intro.textContent = (words.trial_intro || '').replace('%(start)s', report.started_at)
    .replace('%(cut)s', report.cut_at_loop_bound);
  box.appendChild(intro);
  (report.notes || []).forEach((note) => {
    const p = document.createElement('p');
    p.className = 'flash flash-info';
    p.textContent = note;
    box.appendChild(p);
  });
  report.paths.forEach((path) => box.appendChild(renderPath(path, words, state)));
}

function renderPath(path, words, state) {
  const item = document.createElement('details');
  item.className = 'trial-path ' + (path.finished ? 'trial-finished' : 'trial-stranded');
  item.dataset.path = path.number;
  item.open = !path.finished;
  const summary = document.createElement('summary');
  const badge = document.createElement('span');
  badge.className = 'badge ' + (path.finished ? 'badge-done' : 'badge-overdue');
  badge.textContent = path.finished ? words.finished : words.stranded;
  summary.appendChild(badge);
  const tasks = path.steps.filter((s) => s.kind === 'task').length;
  summary.appendChild(document.createTextNode(' ' + words.path.replace('%(number)s', path.number) + ' · ' +
    words.steps.replace('%(count)s', tasks) + (path.loops ? ' · ' + words.loops.replace('%(count)s', path.loops) : '')));
  item.appendChild(summary);
  const list = document.createElement('ol');
  list.className = 'trial-steps';
  path.steps.forEach((step) => list.appendChild(renderStep(step, words, state)));
  item.appendChild(list);
  if (!path.finished) {
    const problem = document.createElement('p');
    problem.className = 'trial-problem';
    problem.textContent = path.problem;
    if (path.element_id && state.select) {
      const jump = document.createElement('button');
      jump.type = 'button';
      jump.className = 'btn btn-small btn-ghost';
      jump.textContent = words.show_on_diagram;
      jump.addEventListener('click', () => state.select(path.element_id));
      problem.appendChild(document.createTextNode(' '));
      problem.appendChild(jump);
    }
    item.appendChild(problem);
  }
  return item;
}

function renderStep(step, words, state) {
  const li = document.createElement('li');
  li.className = 'trial-step trial-' + step.kind;
  li.dataset.elementId = step.element_id;
  if (step.kind === 'decision') {
    li.textContent = '◆ ' + step.question + ' → ' + step.name;
    return li;
  }
  if (step.kind === 'timer') {
    li.textContent = '⏱ ' + step.name + (step.due_at ? ' · ' + step.due_at : '');
    return li;
  }
  const name = document.createElement('strong');
  name.textContent = step.name;
  li.appendChild(name);
  const facts = [step.role_title];
  if (step.performer_field) { facts.push(words.performer.replace('%(field)s', step.performer_field)); }
  if (step.waktu) { facts.push(step.waktu + (step.waktu_iso ? ` (${step.waktu_iso})` : '')); }
  if (step.due_at) { facts.push(words.due.replace('%(due)s', step.due_at)); }
  li.appendChild(document.createTextNode(' · ' + facts.join(' · ')));
  if (step.answers.length) {
    const answers = document.createElement('div');
    answers.className = 'muted small';
    answers.textContent = words.answers + ' ' + step.answers.map((a) => `${a.field}: ${a.value}`).join('; ');
    li.appendChild(answers);
  }
  li.addEventListener('click', () => state.select && state.select(step.element_id));
  return li;
}
