// The form panel: the form of the selected user task, its fields (name, label, kind, required, help, choices,
// role, table columns, "required when"), a new form for a step, or a changed copy of an existing form under
// a new key (a form a deployed model uses never changes). The new forms travel with the model to the check,
// the trial run and the deploy (state.forms); the server turns them into JSON Schema and stores them with
// the deploy. The fields of every form feed the condition picker (config.alur.formFields).
import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil';

const KINDS = ['text', 'longtext', 'number', 'date', 'yesno', 'choice', 'person', 'document', 'table'];
const COLUMN_KINDS = ['text', 'number', 'date', 'yesno', 'choice', 'person'];

export function wireFormPanel(modeler, config, state) {
  const box = document.getElementById('modeler-form-panel');
  if (!box) { return; }
  const words = config.words || {};
  state.forms = state.forms || {};
  Object.entries(config.draftForms || {}).forEach(([key, form]) => {  // a draft's new forms, as saved
    state.forms[key] = form;
    if (!config.alur.forms.includes(key)) { config.alur.forms.push(key); }
    publish(key, false);
  });
  let current = null;
  modeler.on('selection.changed', ({ newSelection }) => {
    current = newSelection.length === 1 && is(newSelection[0], 'bpmn:UserTask') ? newSelection[0] : null;
    render();
  });
  modeler.on('element.changed', ({ element }) => { if (current && element === current) { render(); } });
  render();

  function render() {
    box.textContent = '';
    box.hidden = !current;
    if (!current) { return; }
    const bo = getBusinessObject(current);
    const key = bo.get('camunda:formKey') || '';
    box.appendChild(el('h2', {}, words.form_heading.replace('%(step)s', bo.name || bo.id)));
    if (!key) {
      box.appendChild(el('p', { className: 'muted small' }, words.form_none));
      box.appendChild(button(words.form_new, 'form-new', () => newForm(bo)));
      return;
    }
    if (state.forms[key]) {
      box.appendChild(el('p', { className: 'muted small' }, words.form_pending.replace('%(key)s', key)));
      editor(state.forms[key], key);
      return;
    }
    box.appendChild(el('p', { className: 'muted small' }, words.form_existing.replace('%(key)s', key)));
    const fields = (config.alur.formFields[key] || []);
    const list = el('ul', { className: 'form-fields-readonly' });
    fields.forEach((f) => list.appendChild(el('li', {}, `${f.label} (${f.name}) · ${words['kind_' + f.kind] || f.kind}`)));
    box.appendChild(list);
    box.appendChild(button(words.form_change, 'form-change', () => changeForm(key)));
    box.appendChild(document.createTextNode(' '));
    box.appendChild(button(words.form_new, 'form-new', () => newForm(bo)));
  }

  function newForm(bo) {
    const base = ('form_' + (bo.id || 'langkah')).toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 90);
    let key = base;
    for (let n = 2; config.alur.forms.includes(key) || state.forms[key]; n += 1) { key = `${base}_v${n}`; }
    adopt(key, { title: bo.name || key, fields: [], kept_rules: [], based_on: null });
  }

  async function changeForm(key) {
    const taken = Object.keys(state.forms).map((k) => 'terpakai=' + encodeURIComponent(k)).join('&');
    const response = await fetch(config.formUrl.replace('__key__', encodeURIComponent(key)) + (taken ? '?' + taken : ''),
      { credentials: 'same-origin', headers: { Accept: 'application/json' } });
    if (!response.ok) { return; }
    const outline = await response.json();
    adopt(outline.next_key, { title: outline.title, fields: outline.fields, kept_rules: outline.kept_rules,
      based_on: key });
  }

  function adopt(key, form) {
    state.forms[key] = form;
    if (!config.alur.forms.includes(key)) { config.alur.forms.push(key); }
    publish(key);
    modeler.get('modeling').updateProperties(current, { 'camunda:formKey': key });
    render();
  }

  function publish(key, edited = true) {
    const form = state.forms[key];
    config.alur.formFields[key] = form.fields.filter((f) => f.name).map((f) => (
      { name: f.name, label: f.label || f.name, kind: f.kind, choices: f.choices || [] }));
    if (edited) { state.dirty = true; }
  }

  function editor(form, key) {
    const changed = () => publish(key);
    const title = input(form.title, (v) => { form.title = v; changed(); }, 'form-title');
    box.appendChild(labelled(words.form_title, title));
    const table = el('div', { className: 'form-field-list' });
    form.fields.forEach((field, index) => table.appendChild(fieldRow(form, field, index, changed)));
    box.appendChild(table);
    box.appendChild(button(words.field_add, 'field-add', () => {
      form.fields.push({ name: '', label: '', kind: 'text', required: false, help: '', choices: [], role: '',
        columns: [], required_if: null, kept: {} });
      changed();
      render();
    }));
  }

  function fieldRow(form, field, index, changed) {
    const row = el('fieldset', { className: 'form-field' });
    row.dataset.index = index;
    row.appendChild(el('legend', {}, words.field_number.replace('%(number)s', index + 1)));
    row.appendChild(labelled(words.field_label, input(field.label, (v) => {
      field.label = v;
      if (!field.touchedName) { field.name = suggestName(v); nameInput.value = field.name; }
      changed();
    }, 'field-label')));
    const nameInput = input(field.name, (v) => { field.name = v.trim(); field.touchedName = true; changed(); },
      'field-name');
    row.appendChild(labelled(words.field_name, nameInput));
    const kind = select(KINDS.map((k) => [k, words['kind_' + k] || k]).concat(
      field.kind === 'other' ? [['other', words.kind_other]] : []), field.kind, (v) => {
      field.kind = v; changed(); render();
    }, 'field-kind');
    row.appendChild(labelled(words.field_kind, kind));
    row.appendChild(checkbox(words.field_required, field.required, (on) => { field.required = on; changed(); },
      'field-required'));
    row.appendChild(labelled(words.field_help, input(field.help, (v) => { field.help = v; changed(); }, 'field-help')));
    if (field.kind === 'choice') {
      row.appendChild(labelled(words.field_choices, area((field.choices || []).join('\n'), (v) => {
        field.choices = v.split('\n').map((c) => c.trim()).filter(Boolean); changed();
      }, 'field-choices')));
    }
    if (field.kind === 'person') {
      row.appendChild(labelled(words.field_role, select([['', '—'], ...config.alur.roles.map((r) => [r.key, r.title])],
        field.role, (v) => { field.role = v; changed(); }, 'field-role')));
    }
    if (field.kind === 'table') {
      row.appendChild(labelled(words.field_columns, area((field.columns || []).map(
        (c) => [c.name, c.label, c.kind, c.required ? '*' : ''].join(' | ')).join('\n'), (v) => {
        field.columns = v.split('\n').map((line) => line.split('|').map((p) => p.trim())).filter((p) => p[0])
          .map(([name, label, k, req]) => ({ name, label: label || name, kind: COLUMN_KINDS.includes(k) ? k : 'text',
            required: req === '*', help: '', choices: [], role: '', columns: [], required_if: null, kept: {} }));
        changed();
      }, 'field-columns')));
    }
    const others = form.fields.filter((f) => f !== field && (f.kind === 'yesno' || f.kind === 'choice') && f.name);
    if (others.length) {
      const condition = field.required_if || { field: '', value: '' };
      const valueOptions = (name) => {
        const other = form.fields.find((f) => f.name === name);
        if (!other) { return [['', '—']]; }
        return other.kind === 'yesno' ? [['true', words.yes], ['false', words.no]]
          : (other.choices || []).map((c) => [c, c]);
      };
      const valueSelect = select(valueOptions(condition.field), String(condition.value), (v) => {
        field.required_if = { field: condition.field, value: v === 'true' ? true : v === 'false' ? false : v };
        changed();
      }, 'field-when-value');
      const fieldSelect = select([['', words.field_always], ...others.map((f) => [f.name, f.label || f.name])],
        condition.field, (v) => {
          condition.field = v;
          const first = valueOptions(v)[0][0];
          field.required_if = v ? { field: v, value: first === 'true' ? true : first === 'false' ? false : first } : null;
          changed();
          render();
        }, 'field-when');
      const when = el('div', { className: 'field-when' });
      when.appendChild(labelled(words.field_required_if, fieldSelect));
      if (condition.field) { when.appendChild(labelled(words.field_required_value, valueSelect)); }
      row.appendChild(when);
    }
    row.appendChild(button(words.field_remove, 'field-remove', () => {
      form.fields.splice(index, 1);
      form.fields.forEach((f) => { if (f.required_if && f.required_if.field === field.name) { f.required_if = null; } });
      changed();
      render();
    }, 'btn-ghost'));
    return row;
  }
}

// The new forms the model names (the others may be left over from an abandoned edit).
export function usedForms(modeler, state) {
  const used = {};
  modeler.get('elementRegistry').forEach((element) => {
    const key = is(element, 'bpmn:UserTask') && getBusinessObject(element).get('camunda:formKey');
    if (key && state.forms && state.forms[key]) {
      const form = state.forms[key];
      used[key] = { ...form, fields: form.fields.map(({ touchedName, ...rest }) => rest) };
    }
  });
  return used;
}

function suggestName(label) {
  const name = label.toLowerCase().normalize('NFD').replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 60);
  return /^[a-z]/.test(name) ? name : (name ? 'isian_' + name : '');
}

function el(tag, props, text) {
  const node = document.createElement(tag);
  Object.assign(node, props || {});
  if (text !== undefined) { node.textContent = text; }
  return node;
}

function labelled(text, control) {
  const wrap = el('label', { className: 'field form-panel-field' });
  wrap.appendChild(el('span', {}, text));
  wrap.appendChild(control);
  return wrap;
}

function input(value, onChange, name) {
  const node = el('input', { value: value || '' });
  node.name = name;
  node.addEventListener('input', () => onChange(node.value));
  return node;
}

function area(value, onChange, name) {
  const node = el('textarea', { value: value || '', rows: 3 });
  node.name = name;
  node.addEventListener('input', () => onChange(node.value));
  return node;
}

function select(options, value, onChange, name) {
  const node = el('select');
  node.name = name;
  options.forEach(([v, text]) => {
    const option = el('option', { value: v }, text);
    if (String(v) === String(value)) { option.selected = true; }
    node.appendChild(option);
  });
  node.addEventListener('change', () => onChange(node.value));
  return node;
}

function checkbox(text, checked, onChange, name) {
  const wrap = el('label', { className: 'form-panel-check' });
  const node = el('input', { type: 'checkbox', checked: !!checked });
  node.name = name;
  node.addEventListener('change', () => onChange(node.checked));
  wrap.appendChild(node);
  wrap.appendChild(document.createTextNode(' ' + text));
  return wrap;
}

function button(text, name, onClick, extra) {
  const node = el('button', { type: 'button', className: 'btn btn-small ' + (extra || '') }, text);
  node.name = name;
  node.addEventListener('click', onClick);
  return node;
}
