// The BPMN diagram (bpmn-js navigated viewer) with the case's progress drawn on it.
// window.alurDiagram reports the import result (warnings, error) for people and tests alike.
(function () {
  "use strict";
  var container = document.getElementById("diagram");
  if (!container) { return; }
  var state = window.alurDiagram = { ready: false, warnings: null, error: null, marked: 0 };

  function fail(error) {
    state.error = String((error && error.message) || error);
    state.ready = true;
    var message = document.createElement("p");
    message.className = "diagram-error";
    message.textContent = container.dataset.errorText + " (" + state.error + ")";
    container.appendChild(message);
  }

  function badge(text) {
    var span = document.createElement("span");
    span.className = "alur-pass";
    span.textContent = text;
    return span;
  }

  function mark(viewer) {
    var canvas = viewer.get("canvas");
    var registry = viewer.get("elementRegistry");
    var overlays = viewer.get("overlays");
    var marks = JSON.parse(container.dataset.marks || "{}");
    var passes = JSON.parse(container.dataset.passes || "{}");
    var flows = JSON.parse(container.dataset.flows || "[]");
    Object.keys(marks).forEach(function (id) {
      if (registry.get(id)) { canvas.addMarker(id, "alur-" + marks[id]); state.marked += 1; }
    });
    flows.forEach(function (id) { if (registry.get(id)) { canvas.addMarker(id, "alur-flow-taken"); } });
    Object.keys(passes).forEach(function (id) {
      if (registry.get(id) && passes[id] > 1) {
        overlays.add(id, { position: { top: -10, right: 10 }, html: badge(passes[id] + "×") });
      }
    });
    if (Object.keys(marks).length) {
      registry.filter(function (e) { return e.type === "bpmn:StartEvent"; })
        .forEach(function (e) { canvas.addMarker(e.id, "alur-done"); });
    }
    if (container.dataset.status === "completed") {
      registry.filter(function (e) {
        return e.type === "bpmn:EndEvent" && e.incoming.some(function (c) { return marks[c.source.id] === "done"; });
      }).forEach(function (e) { canvas.addMarker(e.id, "alur-done"); });
    }
  }

  if (typeof window.BpmnJS !== "function") { fail("bpmn-js tidak termuat"); return; }
  var viewer = new window.BpmnJS({ container: container });
  fetch(container.dataset.xmlUrl, { credentials: "same-origin" })
    .then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.text();
    })
    .then(function (xml) { return viewer.importXML(xml); })
    .then(function (result) {
      state.warnings = (result.warnings || []).map(function (w) { return w.message || String(w); });
      viewer.get("canvas").zoom("fit-viewport", "auto");
      if (window.alurDiagramTools) { window.alurDiagramTools(viewer, container); }
      mark(viewer);
      state.ready = true;
    })
    .catch(fail);
})();
