// English for the "Alur" group of the properties panel, whose texts (alur_provider.js) are Indonesian.
// Keys are the Indonesian texts exactly; catalogue data (role titles, form keys) is not translated.
export const ALUR_ENGLISH = {
  'Nama SOP': 'SOP name', 'Nomor SOP': 'SOP number', 'Tanggal pembuatan': 'Date drawn up',
  'Tanggal revisi': 'Date revised', 'Tanggal efektif': 'Date effective',
  'Disahkan oleh (jabatan, nama, NIP)': 'Approved by (position, name, NIP)', 'Unit kerja': 'Work unit',
  'Penanggung jawab': 'Responsible', 'Dasar hukum': 'Legal basis', 'Kualifikasi pelaksana': 'Performer qualifications',
  'Keterkaitan': 'Related SOPs', 'Peralatan/perlengkapan': 'Equipment', 'Peringatan': 'Warnings',
  'Pencatatan dan pendataan': 'Records and data', 'Satu butir per baris': 'One item per line',
  'Waktu pelaksanaan (seperti tertulis di SOP)': 'Completion time (as written in the SOP)',
  'Contoh: 3 (tiga) hari kerja': 'Example: 3 (three) working days',
  'Batas waktu kasus (ISO-8601, waktu kerja)': 'Case time limit (ISO-8601, working time)',
  'Contoh: P3D = 3 hari kerja, PT4H = 4 jam kerja. Kasus yang melewatinya ditandai terlambat.':
    'Example: P3D = 3 working days, PT4H = 4 working hours. A case past it is marked late.',
  'Peringatan sebelum batas (ISO-8601, opsional)': 'Warning before the limit (ISO-8601, optional)',
  'Contoh: P2D': 'Example: P2D',
  'Nomor langkah': 'Step number', 'Kode langkah seperti di SOP, mis. GDB-04': 'Step code as in the SOP, e.g. GDB-04',
  'Kelengkapan': 'Requirements', 'Dokumen atau bahan yang diperlukan langkah ini (wajib)':
    'Documents or material this step needs (required)',
  'Waktu (seperti tertulis)': 'Time (as written)', 'Mis. 1-2 hari, 30 menit (wajib)': 'E.g. 1-2 days, 30 minutes (required)',
  'Waktu (ISO-8601, batas atas)': 'Time (ISO-8601, upper limit)',
  'Hari = hari kerja. Mis. P2D, PT1H, PT30M (wajib)': 'Days are working days. E.g. P2D, PT1H, PT30M (required)',
  'Waktu minimum (ISO-8601, opsional)': 'Minimum time (ISO-8601, optional)',
  'Untuk rentang waktu, mis. P1D pada 1-2 hari': 'For a time range, e.g. P1D for 1-2 days',
  'Output': 'Output', 'Dokumen yang dihasilkan langkah ini (wajib)': 'Document this step produces (required)',
  'Keterangan': 'Remarks', 'Catatan, mis. bila waktu tidak tercantum di SOP':
    'A note, e.g. when the SOP states no time',
  'Peran pelaksana (katalog peran)': 'Performing role (role catalogue)',
  'Kunci peran dari processes/roles.toml. Tetap berlaku walau label lane diganti.':
    'Role key from processes/roles.toml. It holds even when the lane label changes.',
  'Formulir (forms/<kunci>.json)': 'Form (forms/<key>.json)',
  'Formulir yang diisi pelaksana pada langkah ini (wajib).': 'The form the performer fills in at this step (required).',
  '— pilih formulir —': '— choose a form —', '— pilih —': '— choose —',
  '(tidak ada di katalog)': '(not in the catalogue)', '— sama dengan peran lane —': '— same as the lane role —',
  'Peran langkah (opsional)': 'Step role (optional)',
  'Mempersempit peran lane, mis. hanya Pengelola TI di lane Pemeriksa dan Pengelola TI.':
    'Narrows the lane role, e.g. only the IT manager (Pengelola TI) in the lane of the IT examiners and managers.',
  'Pelaksana bernama (disposisi, opsional)': 'Named performer (disposition, optional)',
  ['Isian pemilih orang dari formulir langkah sebelumnya, ditulis ${isian}, mis. ${diteruskan_kepada}. ' +
    'Hanya orang itu (dan Plh/Plt-nya) yang menerima langkah ini; kosong = seluruh pemegang peran.']:
    'A person field of an earlier step\'s form, written ${field}, e.g. ${diteruskan_kepada}. Only that person ' +
    '(and their Plh/Plt) receives this step; empty = every holder of the role.',
  'Calon pelaksana bernama (daftar, opsional)': 'Named candidate performers (list, optional)',
  ['Isian daftar orang dari formulir sebelumnya, mis. ${anggota_tim_teknis}: salah satu dari mereka ' +
    'mengambil langkah ini. Isian harus diisi pada setiap jalur menuju langkah ini (diperiksa saat deploy).']:
    'A list-of-people field of an earlier form, e.g. ${anggota_tim_teknis}: one of them takes this step. ' +
    'The field must be filled in on every path into this step (checked at deploy).',
  ['Keputusan Ya/Tidak: beri nama berupa pertanyaan SOP. Pilih satu alur keluar sebagai alur ' +
    'default (Tidak); alur lainnya wajib berkondisi, mis. gangguan_selesai == true.']:
    'Yes/No decision: name it with the SOP\'s question. Choose one outgoing flow as the default (No) flow; ' +
    'every other flow needs a condition, e.g. gangguan_selesai == true.',
  'Kondisi (jika alur ini diambil)': 'Condition (when this flow is taken)',
  'Alur default tidak memerlukan kondisi.': 'The default flow needs no condition.',
  'Ekspresi pada isian formulir, mis. gangguan_selesai == true. Wajib untuk alur yang bukan default.':
    'An expression on form fields, e.g. gangguan_selesai == true. Required on a flow that is not the default.',
  'Alur default (diambil bila tidak ada kondisi yang terpenuhi)': 'Default flow (taken when no condition holds)',
  'Sisipkan isian formulir ke kondisi': 'Insert a form field into the condition',
  'Isian yang diisi formulir langkah sebelum keputusan ini. Yang dipilih ditambahkan ke kondisi; ubah nilainya bila perlu.':
    'Fields the forms of the steps before this decision fill in. The one picked is added to the condition; change ' +
    'its value if needed.',
  '— pilih isian —': '— choose a field —'
};

export function alurEnglish(text) {
  return ALUR_ENGLISH[text] || text;
}
