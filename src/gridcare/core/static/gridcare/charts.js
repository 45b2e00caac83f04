// GridCare charts: every element with data-chart="<kind>" and data-source="<json script id>"
// becomes an ECharts chart. Data comes from json_script blocks rendered by the view, so the
// page works without extra requests and the numbers are the same as in the tables.
(function () {
  "use strict";
  var BUCKET_COLORS = { sharp: "#c0392b", peak: "#e67e22", flat: "#2a9d8f", valley: "#457b9d" };

  function read(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function stackedDaily(data) {
    return {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 48, right: 16, top: 36, bottom: 56 },
      xAxis: { type: "category", data: data.days, axisLabel: { rotate: 45 } },
      yAxis: { type: "value", name: "kWh" },
      dataZoom: [{ type: "inside" }],
      series: data.buckets.map(function (b) {
        return { name: b.label, type: "bar", stack: "kwh", data: b.values, itemStyle: { color: BUCKET_COLORS[b.key] } };
      }),
    };
  }

  function monthly(data) {
    return {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 48, right: 16, top: 36, bottom: 32 },
      xAxis: { type: "category", data: data.months },
      yAxis: { type: "value", name: "kWh" },
      series: data.series.map(function (s) { return { name: s.label, type: "bar", data: s.values }; }),
    };
  }

  function touPie(data) {
    return {
      tooltip: { trigger: "item", formatter: "{b}: {c} kWh ({d}%)" },
      legend: { bottom: 0 },
      series: [{
        type: "pie", radius: ["40%", "70%"],
        data: data.map(function (b) { return { name: b.label, value: b.value, itemStyle: { color: BUCKET_COLORS[b.key] } }; }),
      }],
    };
  }

  function loadCurve(data) {
    return {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 56, right: 24, top: 36, bottom: 56 },
      xAxis: { type: "category", data: data.times },
      yAxis: { type: "value", name: "kW" },
      dataZoom: [{ type: "inside" }, { type: "slider", height: 18, bottom: 8 }],
      series: [
        { name: data.label, type: "line", showSymbol: false, data: data.kw, areaStyle: { opacity: 0.15 } },
        { name: data.heavy_label, type: "line", showSymbol: false, data: data.times.map(function () { return data.heavy_kw; }), itemStyle: { color: "#e67e22" }, lineStyle: { type: "dashed", color: "#e67e22" } },
        { name: data.over_label, type: "line", showSymbol: false, data: data.times.map(function () { return data.over_kw; }), itemStyle: { color: "#c0392b" }, lineStyle: { type: "dashed", color: "#c0392b" } },
      ],
    };
  }

  var BUILDERS = { daily: stackedDaily, monthly: monthly, tou: touPie, load: loadCurve };
  // A page's own chart kinds: a script loaded after this one (deferred, before the page's
  // DOMContentLoaded) calls GridCareCharts.register("kind", build).
  window.GridCareCharts = { register: function (kind, build) { BUILDERS[kind] = build; } };

  function render(root) {
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      var data = read(el.dataset.source);
      var build = BUILDERS[el.dataset.chart];
      if (!data || !build || !window.echarts) { return; }
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(build(data));
      el.dataset.rendered = "true";
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { render(document); });
  document.addEventListener("htmx:afterSwap", function (event) { render(event.target); });
})();
