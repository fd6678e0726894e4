// The "Alur" group of the properties panel: our BPMN conventions in plain Indonesian.
// Pool/process: SOP identity and time limit. Lane: role from the catalogue. User task: form and mutu baku.
// Flow out of a Ya/Tidak gateway: its condition, or that it is the default ("Tidak") flow.
import { createElement as h } from '@bpmn-io/properties-panel/preact';
import {
  CheckboxEntry, isCheckboxEntryEdited, isSelectEntryEdited, isTextAreaEntryEdited, isTextFieldEntryEdited,
  SelectEntry, TextAreaEntry, TextFieldEntry
} from '@bpmn-io/properties-panel';
import { useService } from 'bpmn-js-properties-panel';
import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil';

import {
  getCondition, getProperty, isDefaultFlow, processOf, setAttribute, setCondition, setDefaultFlow, setProperty
} from './model_properties';

const IDENTITY = [
  ['nama_sop', 'Nama SOP', 'text'], ['nomor_sop', 'Nomor SOP', 'text'],
  ['tanggal_pembuatan', 'Tanggal pembuatan', 'text'], ['tanggal_revisi', 'Tanggal revisi', 'text'],
  ['tanggal_efektif', 'Tanggal efektif', 'text'],
  ['disahkan_oleh', 'Disahkan oleh (jabatan, nama, NIP)', 'area'],
  ['unit_kerja', 'Unit kerja', 'text'], ['penanggung_jawab', 'Penanggung jawab', 'area'],
  ['dasar_hukum', 'Dasar hukum', 'area'], ['kualifikasi_pelaksana', 'Kualifikasi pelaksana', 'area'],
  ['keterkaitan', 'Keterkaitan', 'area'], ['peralatan_perlengkapan', 'Peralatan/perlengkapan', 'area'],
  ['peringatan', 'Peringatan', 'area'], ['pencatatan_pendataan', 'Pencatatan dan pendataan', 'area']
];
const TIME_LIMIT = [
  ['waktu_pelaksanaan', 'Waktu pelaksanaan (seperti tertulis di SOP)', 'Contoh: 3 (tiga) hari kerja'],
  ['waktu_pelaksanaan_iso', 'Batas waktu kasus (ISO-8601, waktu kerja)',
    'Contoh: P3D = 3 hari kerja, PT4H = 4 jam kerja. Kasus yang melewatinya ditandai terlambat.'],
  ['waktu_peringatan_iso', 'Peringatan sebelum batas (ISO-8601, opsional)', 'Contoh: P2D']
];
const MUTU_BAKU = [
  ['langkah', 'Nomor langkah', 'Kode langkah seperti di SOP, mis. GDB-04'],
  ['kelengkapan', 'Kelengkapan', 'Dokumen atau bahan yang diperlukan langkah ini (wajib)'],
  ['waktu', 'Waktu (seperti tertulis)', 'Mis. 1-2 hari, 30 menit (wajib)'],
  ['waktu_iso', 'Waktu (ISO-8601, batas atas)', 'Hari = hari kerja. Mis. P2D, PT1H, PT30M (wajib)'],
  ['waktu_min_iso', 'Waktu minimum (ISO-8601, opsional)', 'Untuk rentang waktu, mis. P1D pada 1-2 hari'],
  ['output', 'Output', 'Dokumen yang dihasilkan langkah ini (wajib)'],
  ['keterangan', 'Keterangan', 'Catatan, mis. bila waktu tidak tercantum di SOP']
];

export default function AlurPropertiesProvider(propertiesPanel, injector) {
  this.getGroups = (element) => (groups) => {
    const group = alurGroup(element, injector);
    if (group) { groups.splice(Math.min(1, groups.length), 0, group); }  // right after "Umum"
    return groups;
  };
  propertiesPanel.registerProvider(400, this);
}
AlurPropertiesProvider.$inject = ['propertiesPanel', 'injector'];

function alurGroup(element, injector) {
  const config = injector.get('config').alur || { roles: [], forms: [] };
  let entries = [];
  const process = processOf(element);
  if (process && !is(getBusinessObject(element), 'bpmn:Lane')) {
    entries = processEntries(element, process);
  } else if (is(element, 'bpmn:Lane')) {
    entries = [selectEntry(element, getBusinessObject(element), 'role', 'Peran pelaksana (katalog peran)',
      roleOptions(config.roles),
      'Kunci peran dari processes/roles.toml. Tetap berlaku walau label lane diganti.')];
  } else if (is(element, 'bpmn:UserTask')) {
    entries = userTaskEntries(element, config);
  } else if (is(element, 'bpmn:SequenceFlow') && element.source && is(element.source, 'bpmn:ExclusiveGateway')) {
    entries = flowEntries(element, config);
  } else if (is(element, 'bpmn:ExclusiveGateway')) {
    entries = [{ id: 'alur-gateway-help', component: Help,
      text: 'Keputusan Ya/Tidak: beri nama berupa pertanyaan SOP. Pilih satu alur keluar sebagai alur ' +
            'default (Tidak); alur lainnya wajib berkondisi, mis. gangguan_selesai == true.' }];
  }
  return entries.length ? { id: 'alur', label: 'Alur (konvensi SOP)', entries } : null;
}

function processEntries(element, process) {
  const limit = TIME_LIMIT.map(([name, label, description]) => textEntry(element, process, name, label, description));
  const identity = IDENTITY.map(([name, label, kind]) => kind === 'area'
    ? areaEntry(element, process, name, label, 'Satu butir per baris')
    : textEntry(element, process, name, label));
  return [...limit, ...identity];
}

function userTaskEntries(element, config) {
  const bo = getBusinessObject(element);
  const forms = [['', '— pilih formulir —'], ...config.forms.map((key) => [key, key])];
  if (bo.get('camunda:formKey') && !config.forms.includes(bo.get('camunda:formKey'))) {
    forms.push([bo.get('camunda:formKey'), bo.get('camunda:formKey') + ' (tidak ada di forms/)']);
  }
  return [
    attributeSelect(element, 'camunda:formKey', 'Formulir (forms/<kunci>.json)', forms,
      'Formulir yang diisi pelaksana pada langkah ini (wajib).'),
    attributeSelect(element, 'camunda:candidateGroups', 'Peran langkah (opsional)',
      [['', '— sama dengan peran lane —'], ...roleOptions(config.roles)],
      'Mempersempit peran lane, mis. hanya Pengelola TI di lane Pemeriksa dan Pengelola TI.'),
    attributeText(element, 'camunda:assignee', 'Pelaksana bernama (disposisi, opsional)',
      'Isian pemilih orang dari formulir langkah sebelumnya, ditulis ${isian}, mis. ${diteruskan_kepada}. ' +
      'Hanya orang itu (dan Plh/Plt-nya) yang menerima langkah ini; kosong = seluruh pemegang peran.'),
    attributeText(element, 'camunda:candidateUsers', 'Calon pelaksana bernama (daftar, opsional)',
      'Isian daftar orang dari formulir sebelumnya, mis. ${anggota_tim_teknis}: salah satu dari mereka ' +
      'mengambil langkah ini. Isian harus diisi pada setiap jalur menuju langkah ini (diperiksa saat deploy).'),
    ...MUTU_BAKU.map(([name, label, description]) => textEntry(element, bo, name, label, description, 'mutu-'))
  ];
}

function flowEntries(element, config) {
  return [
    { id: 'alur-default', component: DefaultFlow, element },
    { id: 'alur-condition', component: Condition, element },
    { id: 'alur-condition-field', component: ConditionField, element, config }
  ];
}

function roleOptions(roles) {
  return roles.map((r) => [r.key, `${r.title} (${r.key})`]);
}

// -- entries ---------------------------------------------------------------------------------------

function textEntry(element, bo, name, label, description, prefix = '') {
  return { id: `alur-${prefix}${name}`, component: PropertyText, element, bo, name, label, description,
    isEdited: isTextFieldEntryEdited };
}

function areaEntry(element, bo, name, label, description) {
  return { id: `alur-${name}`, component: PropertyArea, element, bo, name, label, description,
    isEdited: isTextAreaEntryEdited };
}

function selectEntry(element, bo, name, label, options, description) {
  return { id: `alur-${name}`, component: PropertySelect, element, bo, name, label, options, description,
    isEdited: isSelectEntryEdited };
}

function attributeSelect(element, attribute, label, options, description) {
  return { id: `alur-${attribute.replace(':', '-')}`, component: AttributeSelect, element, attribute, label,
    options, description, isEdited: isSelectEntryEdited };
}

function attributeText(element, attribute, label, description) {
  return { id: `alur-${attribute.replace(':', '-')}`, component: AttributeText, element, attribute, label,
    description, isEdited: isTextFieldEntryEdited };
}

function AttributeText(props) {
  const { element, attribute, label, description, id } = props;
  const injector = useService('injector');
  const debounce = useService('debounceInput');
  return h(TextFieldEntry, {
    element, id, label: say(props, label), description: say(props, description), debounce,
    getValue: () => getBusinessObject(element).get(attribute) || '',
    setValue: (value) => setAttribute(injector, element, attribute, (value || '').trim())
  });
}

function PropertyText(props) {
  const { element, bo, name, label, description, id } = props;
  const injector = useService('injector');
  const debounce = useService('debounceInput');
  return h(TextFieldEntry, {
    element, id, label: say(props, label), description: say(props, description), debounce,
    getValue: () => getProperty(bo, name),
    setValue: (value) => setProperty(injector, element, bo, name, value || '')
  });
}

function PropertyArea(props) {
  const { element, bo, name, label, description, id } = props;
  const injector = useService('injector');
  const debounce = useService('debounceInput');
  return h(TextAreaEntry, {
    element, id, label: say(props, label), description: say(props, description), debounce, rows: 3, autoResize: true,
    getValue: () => getProperty(bo, name),
    setValue: (value) => setProperty(injector, element, bo, name, value || '')
  });
}

function PropertySelect(props) {
  const { element, bo, name, label, description, id, options } = props;
  const injector = useService('injector');
  const current = getProperty(bo, name);
  const choices = [['', say(props, '— pilih —')], ...options];
  if (current && !options.some(([key]) => key === current)) {
    choices.push([current, `${current} ${say(props, '(tidak ada di katalog)')}`]);
  }
  return h(SelectEntry, {
    element, id, label: say(props, label), description: say(props, description),
    getValue: () => getProperty(bo, name),
    setValue: (value) => setProperty(injector, element, bo, name, value || ''),
    getOptions: () => choices.map(([value, text]) => ({ value, label: say(props, text) }))
  });
}

function AttributeSelect(props) {
  const { element, attribute, label, description, id, options } = props;
  const injector = useService('injector');
  return h(SelectEntry, {
    element, id, label: say(props, label), description: say(props, description),
    getValue: () => getBusinessObject(element).get(attribute) || '',
    setValue: (value) => setAttribute(injector, element, attribute, value),
    getOptions: () => options.map(([value, text]) => ({ value, label: say(props, text) }))
  });
}

function Condition(props) {
  const { element } = props;
  const injector = useService('injector');
  const debounce = useService('debounceInput');
  const isDefault = isDefaultFlow(element);
  return h(TextFieldEntry, {
    element, id: 'alur-condition', label: say(props, 'Kondisi (jika alur ini diambil)'), debounce, disabled: isDefault,
    description: say(props, isDefault
      ? 'Alur default tidak memerlukan kondisi.'
      : 'Ekspresi pada isian formulir, mis. gangguan_selesai == true. Wajib untuk alur yang bukan default.'),
    getValue: () => getCondition(element),
    setValue: (value) => setCondition(injector, element, value)
  });
}

// The fields the forms before this decision fill in (every step on a path into it), to pick into the condition.
export function upstreamFields(element, formFields) {
  const seen = new Set();
  const found = [];
  const stack = [getBusinessObject(element).sourceRef];
  while (stack.length) {
    const node = stack.pop();
    if (!node || seen.has(node.id)) { continue; }
    seen.add(node.id);
    const key = is(node, 'bpmn:UserTask') && node.get('camunda:formKey');
    (key && formFields[key] || []).forEach((field) => {
      if (!found.some((f) => f.name === field.name)) { found.push({ ...field, step: node.name || node.id }); }
    });
    (node.incoming || []).forEach((flow) => stack.push(flow.sourceRef));
  }
  return found;
}

function expressionFor(field) {
  if (field.kind === 'yesno') { return `${field.name} == true`; }
  if (field.kind === 'choice' && field.choices.length) { return `${field.name} == '${field.choices[0]}'`; }
  if (field.kind === 'number') { return `${field.name} > 0`; }
  return `${field.name} != null`;
}

function ConditionField(props) {
  const { element, config } = props;
  const injector = useService('injector');
  const isDefault = isDefaultFlow(element);
  const fields = upstreamFields(element, config.formFields || {});
  return h(SelectEntry, {
    element, id: 'alur-condition-field', label: say(props, 'Sisipkan isian formulir ke kondisi'), disabled: isDefault,
    description: say(props, 'Isian yang diisi formulir langkah sebelum keputusan ini. Yang dipilih ditambahkan ke ' +
      'kondisi; ubah nilainya bila perlu.'),
    getValue: () => '',
    setValue: (name) => {
      const field = fields.find((f) => f.name === name);
      if (!field) { return; }
      const current = getCondition(element).trim();
      setCondition(injector, element, current ? `${current} and ${expressionFor(field)}` : expressionFor(field));
    },
    getOptions: () => [{ value: '', label: say(props, '— pilih isian —') },
      ...fields.map((f) => ({ value: f.name, label: `${f.label} (${f.name}) · ${f.step}` }))]
  });
}

function DefaultFlow(props) {
  const { element } = props;
  const injector = useService('injector');
  return h(CheckboxEntry, {
    element, id: 'alur-default', label: say(props, 'Alur default (diambil bila tidak ada kondisi yang terpenuhi)'),
    getValue: () => isDefaultFlow(element),
    setValue: (on) => setDefaultFlow(injector, element, on)
  });
}

// The texts here are Indonesian; panel.js gives each entry ``translate`` for the English UI.
function say(props, text) {
  return props.translate && text ? props.translate(text) : text;
}

function Help(props) {
  return h('div', { class: 'bio-properties-panel-description alur-help' }, say(props, props.text));
}

export const AlurPropertiesModule = {
  __init__: ['alurPropertiesProvider'],
  alurPropertiesProvider: ['type', AlurPropertiesProvider]
};
