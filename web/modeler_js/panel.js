// The properties panel as Alur needs it: the Camunda groups Alur's engine ignores are left out (listeners,
// async continuations, job execution, history cleanup, candidate starter, external task, inputs/outputs…),
// the Camunda form and assignment groups too (the "Alur" group edits those attributes with our
// conventions), and the extension properties list keeps only the properties the Alur group does not edit
// (the official SOP wording, sop_*). The panel and the modeler speak the UI's language.
import { alurEnglish } from './panel_en';
import { englishTranslate, indonesianTranslate } from './panel_id';

const HIDDEN_GROUPS = new Set([
  'CamundaPlatform__HistoryCleanup', 'CamundaPlatform__Tasklist', 'CamundaPlatform__CandidateStarter',
  'CamundaPlatform__Implementation', 'CamundaPlatform__ExternalTask', 'CamundaPlatform__ProcessVariables',
  'CamundaPlatform__Errors', 'CamundaPlatform__UserAssignment', 'CamundaPlatform__Form',
  'CamundaPlatform__FormData', 'CamundaPlatform__TaskListener', 'CamundaPlatform__StartInitiator',
  'CamundaPlatform__Script', 'CamundaPlatform__CallActivity', 'CamundaPlatform__AsynchronousContinuations',
  'CamundaPlatform__JobExecution', 'CamundaPlatform__InMappingPropagation', 'CamundaPlatform__InMapping',
  'CamundaPlatform__Input', 'CamundaPlatform__ConnectorInput', 'CamundaPlatform__OutMappingPropagation',
  'CamundaPlatform__OutMapping', 'CamundaPlatform__Output', 'CamundaPlatform__ConnectorOutput',
  'CamundaPlatform__ExecutionListener', 'CamundaPlatform__FieldInjection', 'CamundaPlatform__BusinessKey'
]);
// camunda:property names the Alur group edits (lane role, mutu baku, SOP identity and time limit)
const ALUR_PROPERTIES = new Set([
  'role', 'langkah', 'kelengkapan', 'waktu', 'waktu_iso', 'waktu_min_iso', 'output', 'keterangan',
  'nama_sop', 'nomor_sop', 'tanggal_pembuatan', 'tanggal_revisi', 'tanggal_efektif', 'disahkan_oleh',
  'unit_kerja', 'penanggung_jawab', 'dasar_hukum', 'kualifikasi_pelaksana', 'keterkaitan',
  'peralatan_perlengkapan', 'peringatan', 'pencatatan_pendataan', 'waktu_pelaksanaan', 'waktu_pelaksanaan_iso',
  'waktu_peringatan_iso'
]);

function AlurPanelFilter(propertiesPanel, translate, config) {
  const english = config.alur && config.alur.lang === 'en';
  this.getGroups = () => (groups) => {
    const hasAlur = groups.some((g) => g.id === 'alur');
    return groups.filter((group) => !HIDDEN_GROUPS.has(group.id) &&
        !(hasAlur && group.id === 'CamundaPlatform__Condition'))  // the Alur group edits the condition
      .map((group) => {
        if (group.id === 'alur') {
          const entries = english ? group.entries.map((entry) => ({ ...entry, translate: alurEnglish }))
            : group.entries;
          return { ...group, entries, label: translate('Alur (SOP conventions)') };
        }
        if (group.id === 'CamundaPlatform__ExtensionProperties') {
          const items = (group.items || []).filter((item) => !ALUR_PROPERTIES.has(item.label));
          return { ...group, items, label: translate('Other SOP properties') };
        }
        return group;
      });
  };
  propertiesPanel.registerProvider(100, this);  // after every other provider: sees all their groups
}
AlurPanelFilter.$inject = ['propertiesPanel', 'translate', 'config'];

export function panelModules(lang) {
  return [{
    __init__: ['alurPanelFilter'],
    alurPanelFilter: ['type', AlurPanelFilter],
    translate: ['value', lang === 'en' ? englishTranslate : indonesianTranslate]
  }];
}
