// The heatmap: the SOP's diagram (bpmn-js navigated viewer) with each step coloured by its on-time rate
// against the mutu baku and labelled with its median working time, and each Ya/Tidak flow labelled with
// how often it was taken. window.alurHeatmap reports the result for people and tests alike.
(function () {
  "use strict";
  var container = document.getElementById("heatmap");
  if (!container) { return; }
  var state = window.alurHeatmap = { ready: false, error: null, coloured: {}, labelled: 0 };

  function fail(error) {
    state.error = String((error && error.message) || error);
    state.ready = true;
    var message = document.createElement("p");
    message.className = "diagram-error";
    message.textContent = container.dataset.errorText + " (" + state.error + ")";
    container.appendChild(message);
  }

  function level(rate) {
    if (rate === null || rate === undefined) { return "none"; }
    return rate >= 0.9 ? "good" : rate >= 0.7 ? "fair" : "poor";
  }

  function label(text, kind) {
    var span = document.createElement("span");
    span.className = "heat-label heat-label-" + kind;
    span.textContent = text;
    return span;
  }

  function paint(viewer) {
    var canvas = viewer.get("canvas");
    var registry = viewer.get("elementRegistry");
    var overlays = viewer.get("overlays");
    var steps = JSON.parse(container.dataset.steps || "{}");
    var flows = JSON.parse(container.dataset.flows || "{}");
    Object.keys(steps).forEach(function (id) {
      if (!registry.get(id)) { return; }
      var step = steps[id];
      var heat = step.done ? level(step.rate) : "none";
      canvas.addMarker(id, "heat-" + heat);
      state.coloured[id] = heat;
      if (step.done) {
        overlays.add(id, { position: { bottom: -4, left: -10 }, html: label(step.label, "step") });
        state.labelled += 1;
      }
    });
    Object.keys(flows).forEach(function (id) {
      var flow = registry.get(id);
      if (!flow) { return; }
      if (flows[id].rework && flows[id].taken) { canvas.addMarker(id, "heat-rework"); }
      var points = flow.waypoints || [];
      var middle = points[Math.floor(points.length / 2)] || { x: flow.x, y: flow.y };
      var first = points[0] || middle;
      overlays.add(id, { position: { top: middle.y - Math.min(first.y, middle.y) - 8,
                                     left: middle.x - Math.min(first.x, middle.x) + 4 },
                         html: label(flows[id].label, flows[id].rework ? "rework" : "flow") });
      state.labelled += 1;
    });
  }

  if (typeof window.BpmnJS !== "function") { fail("bpmn-js tidak termuat"); return; }
  var viewer = new window.BpmnJS({ container: container });
  fetch(container.dataset.xmlUrl, { credentials: "same-origin" })
    .then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.text();
    })
    .then(function (xml) { return viewer.importXML(xml); })
    .then(function () {
      viewer.get("canvas").zoom("fit-viewport", "auto");
      paint(viewer);
      state.ready = true;
    })
    .catch(fail);
})();
