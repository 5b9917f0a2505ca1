/* Quality dashboard charts. Data comes from json_script blocks (no inline script, CSP
   script-src 'self'); Chart.js is the vendored build in vendor/. A click on a point opens
   the rows behind that figure for that day. */
(function () {
  "use strict";
  var source = document.getElementById("dashboard-charts");
  var drillSource = document.getElementById("dashboard-drill");
  if (!source || !drillSource || typeof window.Chart === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var drill = JSON.parse(drillSource.textContent);
  var palette = ["#1f5fa8", "#c2410c", "#15803d", "#7c3aed"];

  function drillUrl(figure, day) {
    var params = new URLSearchParams({ start: day, end: day });
    if (drill.category !== "") {
      params.set("category", drill.category);
    }
    return drill.url.replace("FIGURE", encodeURIComponent(figure)) + "?" + params.toString();
  }

  data.charts.forEach(function (chart) {
    var canvas = document.getElementById("chart-" + chart.code);
    if (!canvas) {
      return;
    }
    var yScale = { beginAtZero: true, ticks: { precision: 0 } };
    if (chart.unit === "percent") {
      yScale = { min: 0, max: 100 };
    } else if (chart.unit === "stars") {
      yScale = { min: 1, max: 5 };
    }
    new window.Chart(canvas, {
      type: "line",
      data: {
        labels: data.days,
        datasets: chart.lines.map(function (line, index) {
          return {
            label: line.label,
            data: line.data,
            drill: line.drill,
            borderColor: palette[index % palette.length],
            backgroundColor: palette[index % palette.length],
            pointRadius: data.days.length > 120 ? 0 : 2,
            pointHitRadius: 6,
            spanGaps: true,
            tension: 0.2,
          };
        }),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "nearest", intersect: false },
        scales: { y: yScale },
        onClick: function (event, elements, instance) {
          if (!elements.length) {
            return;
          }
          var element = elements[0];
          var dataset = instance.data.datasets[element.datasetIndex];
          window.location.href = drillUrl(dataset.drill, data.days[element.index]);
        },
        onHover: function (event, elements) {
          event.native.target.style.cursor = elements.length ? "pointer" : "default";
        },
      },
    });
  });
})();
