// The visual diff on the versions page: the two versions' diagrams side by side (bpmn-js viewers), the
// elements added (in the newer), removed (in the older) and changed (in both) coloured; hovering or
// clicking an item of the diff list highlights its element. window.alurDiff reports to tests.
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';

export function startDiff(root) {
  const config = JSON.parse(document.getElementById('alur-diff-config').textContent);
  const state = window.alurDiff = { ready: false, error: null, marked: { old: {}, new: {} } };
  const sides = [
    ['old', '#diff-old', config.oldUrl, { removed: config.removed, changed: config.changed }],
    ['new', '#diff-new', config.newUrl, { added: config.added, changed: config.changed }]
  ];
  const viewers = {};
  Promise.all(sides.map(([side, container, url, marks]) => {
    const viewer = viewers[side] = new NavigatedViewer({ container });
    return fetch(url, { credentials: 'same-origin' })
      .then((response) => {
        if (!response.ok) { throw new Error('HTTP ' + response.status); }
        return response.text();
      })
      .then((xml) => viewer.importXML(xml))
      .then(() => {
        viewer.get('canvas').zoom('fit-viewport', 'auto');
        const registry = viewer.get('elementRegistry');
        const canvas = viewer.get('canvas');
        Object.entries(marks).forEach(([kind, ids]) => {
          state.marked[side][kind] = ids.filter((id) => registry.get(id));
          state.marked[side][kind].forEach((id) => canvas.addMarker(id, 'diff-' + kind));
        });
      });
  })).then(() => { state.ready = true; })
    .catch((error) => { state.error = String((error && error.message) || error); state.ready = true; });

  document.querySelectorAll('#diff-list > li[data-element]').forEach((item) => {
    const id = item.dataset.element;
    const focus = (on) => Object.values(viewers).forEach((viewer) => {
      if (viewer.get('elementRegistry').get(id)) {
        viewer.get('canvas')[on ? 'addMarker' : 'removeMarker'](id, 'diff-focus');
      }
    });
    item.addEventListener('mouseenter', () => focus(true));
    item.addEventListener('mouseleave', () => focus(false));
  });
  return root;
}
