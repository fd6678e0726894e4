// Indonesian for the bpmn-js modeler and its properties panel (bpmn-js translation keys are its English
// texts). Only what an owner meets on Alur's models: the groups Alur keeps, their entries, the element
// types, the palette and the context pad. An unknown key stays English.
export const INDONESIAN = {
  // groups
  'General': 'Umum', 'Documentation': 'Dokumentasi', 'Alur (SOP conventions)': 'Alur (konvensi SOP)',
  'Other SOP properties': 'Properti SOP lainnya', 'Timer': 'Timer', 'Message': 'Pesan', 'Signal': 'Sinyal',
  'Error': 'Galat', 'Escalation': 'Eskalasi', 'Link': 'Tautan', 'Multi-instance': 'Multi-instans',
  'Compensation': 'Kompensasi', 'Condition': 'Kondisi',
  // entries
  'Name': 'Nama', 'ID': 'ID', 'Element documentation': 'Dokumentasi elemen',
  'Process documentation': 'Dokumentasi proses', 'Process name': 'Nama proses', 'Process ID': 'ID proses',
  'This maps to the process definition key.': 'Menjadi kunci definisi proses.', 'Executable': 'Dapat dijalankan',
  'Version tag': 'Tag versi', 'Type': 'Jenis', 'Value': 'Nilai', 'Date': 'Tanggal', 'Duration': 'Durasi',
  'Cycle': 'Siklus', '<none>': '<tidak ada>', '<empty>': '<kosong>', 'Expression': 'Ekspresi', 'Script': 'Skrip',
  'Condition type': 'Jenis kondisi', 'Timer type': 'Jenis timer', 'Global message reference': 'Rujukan pesan global',
  'Global signal reference': 'Rujukan sinyal global', 'Global error reference': 'Rujukan galat global',
  'Create new ...': 'Buat baru ...', 'Loop cardinality': 'Jumlah perulangan', 'Completion condition':
    'Kondisi selesai', 'Collection': 'Koleksi', 'Element variable': 'Variabel elemen',
  'Add': 'Tambah', 'Create': 'Buat', 'Delete item': 'Hapus butir', 'Create new list item': 'Buat butir baru',
  'Toggle list item': 'Buka/tutup butir', 'Toggle section': 'Buka/tutup bagian',
  'Section contains edits': 'Bagian ini berisi isian', 'Section contains an error': 'Bagian ini berisi galat',
  'Open documentation': 'Buka dokumentasi', 'Open pop-up editor': 'Buka editor sembulan',
  'Opened in editor': 'Dibuka di editor', 'Properties': 'Properti',
  'Select an element to edit its properties.': 'Pilih elemen untuk mengubah propertinya.',
  'Multiple elements are selected. Select a single one to edit its properties.':
    'Beberapa elemen terpilih. Pilih satu untuk mengubah propertinya.',
  // element types (the panel header)
  'User Task': 'Langkah (user task)', 'Task': 'Tugas', 'Service Task': 'Tugas layanan', 'Manual Task': 'Tugas manual',
  'Send Task': 'Tugas kirim', 'Receive Task': 'Tugas terima', 'Script Task': 'Tugas skrip',
  'Business Rule Task': 'Tugas aturan bisnis', 'Call Activity': 'Panggil proses', 'Sub Process': 'Sub-proses',
  'Exclusive Gateway': 'Gateway eksklusif', 'Parallel Gateway': 'Gateway paralel',
  'Inclusive Gateway': 'Gateway inklusif', 'Event Based Gateway': 'Gateway berbasis peristiwa',
  'Start Event': 'Peristiwa mulai', 'End Event': 'Peristiwa selesai', 'Timer Start Event': 'Mulai dengan timer',
  'Intermediate Throw Event': 'Peristiwa antara (lempar)', 'Intermediate Catch Event': 'Peristiwa antara (tangkap)',
  'Timer Intermediate Catch Event': 'Timer antara', 'Message Start Event': 'Mulai dengan pesan',
  'Timer Boundary Event': 'Timer batas', 'Timer Boundary Event (Non Interrupting)': 'Timer batas (tidak menyela)',
  'Message Intermediate Catch Event': 'Pesan antara', 'Boundary Event': 'Peristiwa batas',
  'Sequence Flow': 'Alur', 'Conditional Flow': 'Alur berkondisi', 'Default Flow': 'Alur default', 'Lane': 'Lane',
  'Participant': 'Pool (partisipan)', 'Process': 'Proses', 'Text Annotation': 'Catatan', 'Group': 'Grup',
  'Data Object Reference': 'Rujukan objek data', 'Data Store Reference': 'Rujukan penyimpanan data',
  'Association': 'Asosiasi', 'Message Flow': 'Alur pesan', 'Collaboration': 'Kolaborasi',
  // palette and context pad
  'Activate hand tool': 'Alat geser kanvas', 'Activate lasso tool': 'Alat laso (pilih area)',
  'Activate create/remove space tool': 'Alat tambah/kurangi ruang', 'Activate global connect tool':
    'Alat sambung', 'Create start event': 'Buat peristiwa mulai', 'Create end event': 'Buat peristiwa selesai',
  'Create intermediate/boundary event': 'Buat peristiwa antara/batas', 'Create gateway': 'Buat gateway',
  'Create task': 'Buat tugas', 'Create expanded sub-process': 'Buat sub-proses terbuka',
  'Create data object reference': 'Buat rujukan objek data', 'Create data store reference':
    'Buat rujukan penyimpanan data', 'Create pool/participant': 'Buat pool/partisipan', 'Create group': 'Buat grup',
  'Append end event': 'Sambung peristiwa selesai', 'Append gateway': 'Sambung gateway',
  'Append task': 'Sambung tugas', 'Append intermediate/boundary event': 'Sambung peristiwa antara/batas',
  'Append timer intermediate catch event': 'Sambung timer antara', 'Append receive task': 'Sambung tugas terima',
  'Append message intermediate catch event': 'Sambung pesan antara',
  'Append signal intermediate catch event': 'Sambung sinyal antara',
  'Append conditional intermediate catch event': 'Sambung kondisi antara',
  'Append compensation activity': 'Sambung aktivitas kompensasi', 'Add text annotation': 'Tambah catatan',
  'Add lane above': 'Tambah lane di atas', 'Add lane below': 'Tambah lane di bawah',
  'Divide into two lanes': 'Bagi menjadi dua lane', 'Divide into three lanes': 'Bagi menjadi tiga lane',
  'Change element': 'Ganti jenis elemen', 'Connect to other element': 'Sambungkan ke elemen lain',
  'Connect using association': 'Sambungkan dengan asosiasi',
  'Connect using data input association': 'Sambungkan dengan asosiasi data masukan', 'Delete': 'Hapus'
};

export function indonesianTranslate(template, replacements) {
  const text = INDONESIAN[template] || template;
  return text.replace(/{([^}]+)}/g, (_, key) => (replacements && key in replacements ? replacements[key] : `{${key}}`));
}

export function englishTranslate(template, replacements) {
  return template.replace(/{([^}]+)}/g, (_, key) => (replacements && key in replacements ? replacements[key] : `{${key}}`));
}
