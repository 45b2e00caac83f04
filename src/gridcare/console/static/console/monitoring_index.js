// Service-quality index charts (console/monitoring/index.html): chart kinds added to
// gridcare/charts.js, drawn from the same numbers the page's tables show.
(function () {
  "use strict";

  // The index per month (0–100); a month without data is a gap, not a zero.
  function trend(d) {
    return {
      tooltip: { trigger: "axis" },
      grid: { left: 40, right: 16, top: 16, bottom: 32 },
      xAxis: { type: "category", data: d.months },
      yAxis: { type: "value", min: 0, max: 100 },
      series: [{
        name: d.labels.index, type: "line", data: d.totals, connectNulls: false,
        areaStyle: { opacity: 0.12 }, itemStyle: { color: "#2a9d8f" },
        markLine: { silent: true, symbol: "none", label: { show: false }, data: [{ yAxis: 80 }], lineStyle: { type: "dashed", color: "#aaa" } },
      }],
    };
  }

  // The units below, best first (a horizontal bar per unit).
  function rank(d) {
    var names = d.children.slice().reverse();
    var totals = d.child_totals.slice().reverse();
    return {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: 96, right: 24, top: 8, bottom: 24 },
      xAxis: { type: "value", min: 0, max: 100 },
      yAxis: { type: "category", data: names },
      series: [{ name: d.labels.index, type: "bar", barMaxWidth: 22, data: totals, itemStyle: { color: "#457b9d" }, label: { show: true, position: "right" } }],
    };
  }

  window.GridCareCharts.register("index-trend", trend);
  window.GridCareCharts.register("index-rank", rank);
})();
