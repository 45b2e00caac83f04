// Reliability report charts (console/outages/reliability.html): two chart kinds added to
// gridcare/charts.js, which draws every data-chart element from the numbers the tables show.
(function () {
  "use strict";

  // Per month: SAIDI stacked planned / unplanned (bars, minutes) and SAIFI (line, times).
  function monthly(d) {
    return {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 52, right: 52, top: 36, bottom: 32 },
      xAxis: { type: "category", data: d.months },
      yAxis: [{ type: "value", name: "min" }, { type: "value", name: "SAIFI", splitLine: { show: false } }],
      series: [
        { name: d.labels.planned, type: "bar", stack: "saidi", data: d.planned, itemStyle: { color: "#457b9d" } },
        { name: d.labels.unplanned, type: "bar", stack: "saidi", data: d.unplanned, itemStyle: { color: "#e67e22" } },
        { name: d.labels.saifi, type: "line", yAxisIndex: 1, data: d.saifi, itemStyle: { color: "#2a9d8f" } },
      ],
    };
  }

  // Per day: SAIDI (log scale: a storm day dwarfs the rest) against T_MED.
  function daily(d) {
    var series = [{ name: d.labels.daily, type: "bar", data: d.daily, itemStyle: { color: "#457b9d" } }];
    if (d.t_med !== null) {
      series.push({ name: d.labels.t_med, type: "line", showSymbol: false, data: d.days.map(function () { return d.t_med; }), lineStyle: { type: "dashed", color: "#c0392b" }, itemStyle: { color: "#c0392b" } });
    }
    return {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 56, right: 24, top: 36, bottom: 56 },
      xAxis: { type: "category", data: d.days, axisLabel: { rotate: 45 } },
      yAxis: { type: "log", name: "min", logBase: 10 },
      dataZoom: [{ type: "inside" }, { type: "slider", height: 18, bottom: 8 }],
      series: series,
    };
  }

  window.GridCareCharts.register("reliability-monthly", monthly);
  window.GridCareCharts.register("reliability-daily", daily);
})();
