// Save the model being edited as a draft (not checked, not deployed): a new draft, or the one opened; the
// new forms of the form panel the model names are kept with it.
import { usedForms } from './form_panel';

export function wireDrafts(modeler, config, state, run, say) {
  const form = document.getElementById('modeler-draft');
  if (!form || !config.draftUrl) { return; }
  state.draft = config.draft;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const title = document.getElementById('modeler-draft-title');
    run(async () => {
      const { xml } = await modeler.saveXML({ format: true });
      const response = await fetch(config.draftUrl, {
        method: 'POST', credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'X-CSRFToken': config.csrfToken, Accept: 'application/json' },
        body: JSON.stringify({ xml, title: title.value, based_on_version: config.version,
          draft_id: state.draft ? state.draft.id : null, forms: usedForms(modeler, state) })
      });
      const type = response.headers.get('Content-Type') || '';
      if (!type.includes('application/json')) { throw new Error('HTTP ' + response.status); }
      const body = await response.json();
      if (!body.saved) {
        state.draftSaved = { ok: false, message: body.message };
        say(body.message, 'error');
        return;
      }
      state.draft = { id: body.draft_id, title: body.title };
      state.draftSaved = { ok: true, id: body.draft_id };
      state.dirty = false;
      window.history.replaceState(null, '', body.url);
      say(body.message, 'success');
    });
  });
}
