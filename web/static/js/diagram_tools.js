// Zoom, pan and a full-screen view for a bpmn-js viewer, shared by the case, SOP and replay diagrams.
// The buttons come from the diagram_tools macro (hidden until this script runs); drag or the arrow keys
// (canvas focused) pan, the buttons or Ctrl + wheel zoom, touch drags pan on phones.
(function () {
  "use strict";
  var STEP = 1.25;

  function touchPan(container, canvas) {
    var last = null;
    container.addEventListener("pointerdown", function (event) {
      if (event.pointerType === "touch") { last = { x: event.clientX, y: event.clientY }; }
    });
    container.addEventListener("pointermove", function (event) {
      if (!last || event.pointerType !== "touch") { return; }
      canvas.scroll({ dx: event.clientX - last.x, dy: event.clientY - last.y });
      last = { x: event.clientX, y: event.clientY };
    });
    ["pointerup", "pointercancel", "pointerleave"].forEach(function (name) {
      container.addEventListener(name, function () { last = null; });
    });
  }

  window.alurDiagramTools = function (viewer, container) {
    var frame = container.closest(".diagram-frame");
    var tools = frame && frame.querySelector(".diagram-tools");
    var canvas = viewer.get("canvas");
    touchPan(container, canvas);
    if (!tools) { return; }
    var full = tools.querySelector("[data-diagram='full']");

    function setFull(on) {
      frame.classList.toggle("is-full", on);
      document.body.classList.toggle("diagram-full-open", on);
      full.setAttribute("aria-pressed", on ? "true" : "false");
      full.textContent = on ? full.dataset.textClose : full.dataset.textOpen;
      canvas.resized();
      canvas.zoom("fit-viewport", "auto");
      full.focus();
    }

    tools.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-diagram]");
      if (!button) { return; }
      var action = button.dataset.diagram;
      if (action === "in") { canvas.zoom(canvas.zoom() * STEP); }
      else if (action === "out") { canvas.zoom(canvas.zoom() / STEP); }
      else if (action === "fit") { canvas.zoom("fit-viewport", "auto"); }
      else if (action === "full") { setFull(!frame.classList.contains("is-full")); }
      else {
        var d = { left: [80, 0], right: [-80, 0], up: [0, 80], down: [0, -80] }[action];
        if (d) { canvas.scroll({ dx: d[0], dy: d[1] }); }
      }
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && frame.classList.contains("is-full")) { setFull(false); }
    });
    tools.hidden = false;
    var hint = frame.querySelector(".diagram-hint");
    if (hint) { hint.hidden = false; }
  };
})();
