// The audit replay page: step through a case's audit events; the diagram, data and documents follow.
// window.alurReplay tells people and tests where the replay stands and what the diagram marks.
(function () {
  "use strict";
  var root = document.getElementById("replay");
  if (!root) { return; }
  var steps = JSON.parse(document.getElementById("replay-steps").textContent);
  var names = JSON.parse(document.getElementById("replay-names").textContent);
  var container = document.getElementById("replay-diagram");
  var slider = document.getElementById("replay-slider");
  var state = window.alurReplay = { ready: false, error: null, step: 0, total: steps.length, marked: {} };
  var viewer = null;
  var markers = [];

  function text(id, value) { document.getElementById(id).textContent = value; }

  function shown(value) {
    if (value === null || value === undefined) { return "–"; }
    if (value === true) { return "Ya"; }
    if (value === false) { return "Tidak"; }
    return typeof value === "string" ? value : JSON.stringify(value);
  }

  function markDiagram(step) {
    if (!viewer) { return; }
    var canvas = viewer.get("canvas");
    var registry = viewer.get("elementRegistry");
    var overlays = viewer.get("overlays");
    markers.forEach(function (m) { canvas.removeMarker(m[0], m[1]); });
    markers = [];
    overlays.remove({ type: "alur-pass" });
    state.marked = {};
    function add(id, css) {
      if (!registry.get(id)) { return; }
      canvas.addMarker(id, css);
      markers.push([id, css]);
      state.marked[id] = css;
    }
    step.done.forEach(function (id) { if (step.active.indexOf(id) < 0) { add(id, "alur-done"); } });
    step.active.forEach(function (id) { add(id, "alur-active"); });
    step.flows.forEach(function (id) { add(id, "alur-flow-taken"); });
    Object.keys(step.passes).forEach(function (id) {
      if (registry.get(id) && step.passes[id] > 1) {
        var badge = document.createElement("span");
        badge.className = "alur-pass";
        badge.textContent = step.passes[id] + "×";
        overlays.add(id, "alur-pass", { position: { top: -10, right: 10 }, html: badge });
      }
    });
  }

  function showData(step, previous) {
    var body = document.querySelector("#step-data tbody");
    body.textContent = "";
    Object.keys(step.data).sort().forEach(function (key) {
      var row = document.createElement("tr");
      if (previous && JSON.stringify(previous.data[key]) !== JSON.stringify(step.data[key])) { row.className = "changed"; }
      row.dataset.key = key;
      var name = document.createElement("td");
      name.textContent = key;
      var value = document.createElement("td");
      value.textContent = shown(step.data[key]);
      row.appendChild(name);
      row.appendChild(value);
      body.appendChild(row);
    });
  }

  function showDocuments(step) {
    var list = document.getElementById("step-documents");
    list.textContent = "";
    if (!step.documents.length) {
      var none = document.createElement("li");
      none.className = "muted";
      none.textContent = list.dataset.empty;
      list.appendChild(none);
    }
    step.documents.forEach(function (doc) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = doc.url;
      link.textContent = doc.filename;
      item.appendChild(link);
      item.appendChild(document.createTextNode(" · " + doc.field_title + " · " + doc.step_name + " · " + doc.added_by));
      list.appendChild(item);
    });
  }

  function show(number) {
    number = Math.max(1, Math.min(steps.length, number));
    var step = steps[number - 1];
    state.step = number;
    text("replay-step", String(number));
    text("step-label", step.label);
    text("step-type", step.event_type);
    text("step-type-text", step.type_text || "");
    text("step-actor", step.actor_text || step.actor);
    text("step-time", step.at_text);
    text("step-status", document.getElementById("step-status").dataset[step.status] || step.status);
    text("step-active", step.active.map(function (id) { return names[id] || id; }).join(", ") || "–");
    showData(step, number > 1 ? steps[number - 2] : null);
    showDocuments(step);
    slider.value = String(number);
    document.getElementById("replay-prev").disabled = number === 1;
    document.getElementById("replay-next").disabled = number === steps.length;
    var timeline = document.getElementById("replay-timeline");
    Array.prototype.forEach.call(timeline.children, function (item, index) {
      if (index !== number - 1) { item.removeAttribute("aria-current"); return; }
      item.setAttribute("aria-current", "step");
      timeline.scrollTop = item.offsetTop - timeline.offsetTop - timeline.clientHeight / 2;  // keep it in view
    });
    markDiagram(step);
  }

  root.addEventListener("click", function (event) {
    var go = event.target.closest("[data-go]");
    if (!go) { return; }
    var to = { first: 1, prev: state.step - 1, next: state.step + 1, last: steps.length }[go.dataset.go];
    show(to);
  });
  document.getElementById("replay-timeline").addEventListener("click", function (event) {
    var button = event.target.closest("[data-step]");
    if (button) { show(Number(button.dataset.step)); }
  });
  slider.addEventListener("input", function () { show(Number(slider.value)); });
  document.addEventListener("keydown", function (event) {
    var tag = (event.target.tagName || "").toLowerCase();
    if (event.target === slider || tag === "input" || tag === "select" || tag === "textarea") { return; }
    var moves = { ArrowLeft: state.step - 1, ArrowRight: state.step + 1, Home: 1, End: steps.length };
    if (!(event.key in moves) || event.altKey || event.ctrlKey || event.metaKey) { return; }
    event.preventDefault();
    show(moves[event.key]);
  });

  show(1);
  if (typeof window.BpmnJS !== "function") { state.error = "bpmn-js tidak termuat"; state.ready = true; return; }
  var bpmn = new window.BpmnJS({ container: container });
  fetch(container.dataset.xmlUrl, { credentials: "same-origin" })
    .then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.text();
    })
    .then(function (xml) { return bpmn.importXML(xml); })
    .then(function () {
      viewer = bpmn;
      viewer.get("canvas").zoom("fit-viewport", "auto");
      if (window.alurDiagramTools) { window.alurDiagramTools(viewer, container); }
      show(state.step);
      state.ready = true;
    })
    .catch(function (error) {
      state.error = String((error && error.message) || error);
      state.ready = true;
      var message = document.createElement("p");
      message.className = "diagram-error";
      message.textContent = container.dataset.errorText + " (" + state.error + ")";
      container.appendChild(message);
    });
})();
