// The dashboard's charts (Chart.js, vendored from the npm registry). Each <canvas data-chart> carries its
// data as JSON (web/dashboard_tables.py); the same numbers are in the table below it for screen readers.
// window.alurCharts reports how many charts were drawn, for people and tests alike.
(function () {
  "use strict";
  var state = window.alurCharts = { drawn: 0, error: null };
  var canvases = document.querySelectorAll("canvas[data-chart]");
  if (!canvases.length) { return; }
  if (typeof window.Chart !== "function") { state.error = "Chart.js tidak termuat"; return; }
  var colours = ["#1f6f8b", "#e07a1f", "#4c8c2b", "#8b3a62", "#5b5ea6"];
  canvases.forEach(function (canvas) {
    var spec = JSON.parse(canvas.dataset.chart);
    var datasets = spec.datasets.map(function (set, i) {
      return { label: set.label, data: set.data, backgroundColor: colours[i % colours.length],
               borderColor: colours[i % colours.length], fill: false, tension: 0.2, spanGaps: true };
    });
    var value = spec.horizontal ? "x" : "y";
    var scales = {};
    scales[value] = { beginAtZero: true };
    if (spec.max) { scales[value].suggestedMax = spec.max; }
    if (spec.unit === "%") {
      scales[value].ticks = { callback: function (v) { return v + "%"; } };
    }
    try {
      new window.Chart(canvas, {
        type: spec.type,
        data: { labels: spec.labels, datasets: datasets },
        options: { indexAxis: spec.horizontal ? "y" : "x", responsive: true, maintainAspectRatio: false,
                   animation: false, scales: scales, plugins: { legend: { display: datasets.length > 1 } } }
      });
      state.drawn += 1;
    } catch (error) {
      state.error = String((error && error.message) || error);
    }
  });
})();
