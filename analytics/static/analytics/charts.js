// Draws every <canvas data-chart="ID"> from the JSON in <script id="ID"> (rendered by json_script).
(function () {
  function draw(root) {
    root.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      if (Chart.getChart(canvas)) return;
      var spec = JSON.parse(document.getElementById(canvas.dataset.chart).textContent);
      new Chart(canvas, {
        type: spec.type,
        data: { labels: spec.labels, datasets: spec.datasets },
        options: { responsive: true, animation: false, plugins: { title: { display: true, text: spec.title } } },
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  // The date range form swaps the report in with htmx: draw the new canvases.
  document.addEventListener("htmx:afterSettle", function (event) { draw(event.target); });
})();
