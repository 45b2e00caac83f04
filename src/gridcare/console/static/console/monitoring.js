// Monitoring dashboards (console/monitoring/board_*.html): chart kinds added to
// gridcare/charts.js, which draws every data-chart element from a json_script block. A bar
// or slice whose data carries a `link` is a drill-down: clicking it opens that URL (the
// same board one level down, or at a team the orders themselves).
(function () {
  "use strict";
  var PALETTE = ["#2a6f97", "#e67e22", "#2a9d8f", "#c0392b", "#8e6bb8", "#7f8c8d", "#d4a017", "#457b9d", "#6a994e", "#bc4749"];

  function axisUnit(unit) {
    return unit === "%" ? { formatter: "{value}%" } : {};
  }

  // Several series over one category axis (days, months, area classes): bars or lines.
  function series(d) {
    return {
      color: PALETTE,
      tooltip: { trigger: "axis" },
      legend: { top: 0, type: "scroll" },
      grid: { left: 48, right: 16, top: 40, bottom: 40, containLabel: true },
      xAxis: { type: "category", data: d.x, axisLabel: { hideOverlap: true } },
      yAxis: { type: "value", axisLabel: axisUnit(d.unit), max: d.unit === "%" ? 100 : null },
      dataZoom: d.x.length > 40 ? [{ type: "inside" }] : [],
      series: d.series.map(function (s) {
        return { name: s.name, type: d.type || "bar", stack: d.stack ? "all" : null, data: s.values, connectNulls: false, showSymbol: d.x.length < 40 };
      }),
    };
  }

  // One value per category, each bar optionally a link.
  function bars(d) {
    return {
      color: PALETTE,
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v === null || v === undefined ? "—" : v + (d.unit || ""); } },
      grid: { left: 48, right: 16, top: 16, bottom: 32, containLabel: true },
      xAxis: { type: "category", data: d.x, axisLabel: { interval: 0, hideOverlap: true } },
      yAxis: { type: "value", axisLabel: axisUnit(d.unit), max: d.unit === "%" ? 100 : null },
      series: [{
        name: d.name, type: "bar", barMaxWidth: 48,
        data: d.values.map(function (v, i) { return { value: v, link: d.links ? d.links[i] : null }; }),
        label: { show: true, position: "top", formatter: function (p) { return p.value === null || p.value === undefined ? "—" : (d.unit === "%" ? p.value.toFixed(1) : p.value) + (d.unit || ""); } },
      }],
    };
  }

  function pie(d) {
    return {
      color: PALETTE,
      tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
      legend: { bottom: 0, type: "scroll" },
      series: [{ type: "pie", radius: ["35%", "65%"], center: ["50%", "45%"], data: d.data, label: { formatter: "{b}\n{d}%" } }],
    };
  }

  function sunburst(d) {
    return {
      color: PALETTE,
      tooltip: { trigger: "item", formatter: "{b}: {c}" },
      series: [{
        type: "sunburst", data: d.data, radius: ["12%", "92%"], sort: null, nodeClick: false,
        levels: [{}, { r0: "12%", r: "55%", label: { rotate: "tangential" } }, { r0: "55%", r: "92%", label: { align: "right", fontSize: 10 } }],
      }],
    };
  }

  // A reader who asked for less motion gets the charts drawn at once (no growing bars).
  var REDUCED = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  function still(build) {
    return function (d) { var option = build(d); option.animation = !REDUCED; return option; };
  }

  var KINDS = { "mon-series": series, "mon-bars": bars, "mon-units": bars, "mon-pie": pie, "mon-sunburst": sunburst };
  Object.keys(KINDS).forEach(function (kind) { window.GridCareCharts.register(kind, still(KINDS[kind])); });

  // Runs after charts.js has drawn the page (its listener was added first).
  function linkClicks(root) {
    root.querySelectorAll("[data-chart^='mon-']").forEach(function (el) {
      var chart = window.echarts && window.echarts.getInstanceByDom(el);
      if (!chart || el.dataset.linked) { return; }
      el.dataset.linked = "true";
      chart.on("click", function (params) {
        if (params.data && params.data.link) { window.location.href = params.data.link; }
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { linkClicks(document); });
})();
