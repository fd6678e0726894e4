// Upload a .bpmn file into the modeler: the server says whether it is a BPMN model of this SOP (nothing is
// stored); an accepted file replaces the diagram, to be checked and deployed like any edit.
export function wireUpload(modeler, config, state, say) {
  const input = document.getElementById('modeler-upload');
  if (!input) { return; }
  input.addEventListener('change', async () => {
    const file = input.files && input.files[0];
    if (!file) { return; }
    const data = new FormData();
    data.append('berkas', file, file.name);
    try {
      const response = await fetch(config.uploadUrl, {
        method: 'POST', credentials: 'same-origin', body: data,
        headers: { 'X-CSRFToken': config.csrfToken, Accept: 'application/json' }
      });
      const type = response.headers.get('Content-Type') || '';
      if (!type.includes('application/json')) { throw new Error('HTTP ' + response.status); }
      const body = await response.json();
      if (!body.ok) {
        state.uploaded = { ok: false, reason: body.reason, message: body.message };
        say(body.message, 'error');
        return;
      }
      const result = await modeler.importXML(body.xml);
      state.warnings = (result.warnings || []).map((w) => w.message || String(w));
      modeler.get('canvas').zoom('fit-viewport', 'auto');
      state.dirty = true;
      state.deployed = null;
      state.uploaded = { ok: true, filename: body.filename };
      say(body.message, 'success');
    } catch (error) {
      state.uploaded = { ok: false, reason: 'error', message: String((error && error.message) || error) };
      say(state.uploaded.message, 'error');
    } finally {
      input.value = '';
    }
  });
}
