// The dashboard (数据大屏): fetches its figures as JSON from the API (the same request
// the benchmark times), writes the numbers into the page and draws the ECharts charts.
// On a wall display (data-refresh > 0) it fetches again every N seconds.
// No inline code (CSP): labels come from a JSON data block rendered by the template.
(function () {
  "use strict";
  var root, labels, charts = {}, animate = false, lastData = null;
  var COLORS = ["#0f6e6e", "#e08a2c", "#3f8fc4", "#8e6bb8", "#5aa469", "#c9544d", "#7a8b8b",
                "#d4a72c", "#2f9e9e", "#b06c9c", "#5f6f6f"];

  // Axis ticks: 30,000 is written 3万 (Chinese counts in ten thousands), so that the
  // labels of a narrow chart do not run into each other.
  function axisTick(v) {
    var n = Math.abs(v);
    return n >= 10000 ? (n / 10000).toLocaleString("zh-CN", {maximumFractionDigits: 1}) + "万" : fmt(n);
  }
  function fmt(n) {
    return n === null || n === undefined ? "–" : Number(n).toLocaleString("zh-CN");
  }
  function fill(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (_m, key) { return values[key]; });
  }
  function percent(share, digits) {
    return share === null || share === undefined ? "–" : (share * 100).toFixed(digits === undefined ? 1 : digits) + "%";
  }
  function setFigure(name, text) {
    root.querySelectorAll("[data-figure='" + name + "']").forEach(function (el) { el.textContent = text; });
  }
  function panel(name) { return root.querySelector("[data-panel='" + name + "']"); }
  function showEmpty(name, empty) {
    var box = panel(name);
    if (!box) return;
    box.classList.toggle("yy-is-empty", empty);
    box.querySelector("[data-empty]").classList.toggle("d-none", !empty);
  }
  function chart(name) {
    var el = root.querySelector("[data-chart='" + name + "']");
    if (!el || !window.echarts) return null;
    if (!charts[name]) charts[name] = window.echarts.init(el, null, {renderer: "canvas"});
    return charts[name];
  }
  function isDark() { return document.body.classList.contains("yy-wall"); }
  function styleAxis(axisOption, dark) {
    if (!axisOption) return;
    axisOption.axisLabel = Object.assign({color: dark ? "#d8e6e6" : "#3d4c4c"}, axisOption.axisLabel || {});
    axisOption.splitLine = Object.assign({lineStyle: {color: dark ? "#1f4d52" : "#e7eeee"}},
                                         axisOption.splitLine || {});
    axisOption.axisLine = {lineStyle: {color: dark ? "#4d7a7f" : "#b5c2c2"}};
    if (axisOption.type === "value") axisOption.minInterval = 1;
  }
  function draw(name, option) {
    var c = chart(name);
    if (!c) return;
    var dark = isDark();
    var text = dark ? "#d8e6e6" : "#1f2d2d";
    option.animation = animate;
    option.color = COLORS;
    option.textStyle = {color: text};
    if (option.grid) option.grid.containLabel = true;
    if (option.legend) option.legend.textStyle = {color: text};
    [].concat(option.xAxis || [], option.yAxis || []).forEach(function (axis) { styleAxis(axis, dark); });
    (option.series || []).forEach(function (series) {
      if (series.label) Object.assign(series.label, {color: text, textBorderWidth: 0});
    });
    option.tooltip = Object.assign({renderMode: "richText", confine: true}, option.tooltip || {});
    c.setOption(option, true);
  }

  // --- the registry ---------------------------------------------------------------
  function renderRegistry(r) {
    setFigure("aged_60", fmt(r.aged_60));
    setFigure("aged_80", fmt(r.aged_80));
    setFigure("aged_100", fmt(r.aged_100));
    setFigure("total", fmt(r.total));
    setFigure("disabled", fmt(r.categories_by_key.disabled));
    setFigure("ageing_rate", r.ageing_rate === null ? "–" : percent(r.ageing_rate, 2));
    setFigure("population_note", r.population === null ? labels.no_population :
      fill(r.population_year ? labels.population : labels.population_no_year,
           {n: fmt(r.population), year: r.population_year}));
    setFigure("under_60_note", r.under_60 ? fill(labels.under_60, {n: fmt(r.under_60)}) : "");
    var empty = r.total === 0;
    ["pyramid", "categories", "levels"].forEach(function (name) { showEmpty(name, empty); });
    var body = root.querySelector("[data-rows='pyramid']");
    body.textContent = "";
    r.pyramid.slice().reverse().forEach(function (row) {
      var tr = document.createElement("tr");
      tr.dataset.band = row.band;
      [row.label, fmt(row.M), fmt(row.F)].forEach(function (text, i) {
        var td = document.createElement("td");
        td.textContent = text;
        if (i) { td.className = "yy-num"; td.dataset.sex = i === 1 ? "M" : "F"; }
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    if (empty) return;
    draw("pyramid", {
      grid: {left: 8, right: 16, top: 30, bottom: 8},
      legend: {data: [labels.men, labels.women], top: 0},
      xAxis: {type: "value", splitNumber: 4, axisLabel: {formatter: axisTick}},
      yAxis: {type: "category", data: r.pyramid.map(function (p) { return p.label; })},
      tooltip: {trigger: "axis", valueFormatter: function (v) { return fmt(Math.abs(v)); }},
      series: [
        {name: labels.men, type: "bar", stack: "s", data: r.pyramid.map(function (p) { return -p.M; })},
        {name: labels.women, type: "bar", stack: "s", data: r.pyramid.map(function (p) { return p.F; })}
      ]
    });
    var cats = r.categories.slice().reverse();
    draw("categories", {
      grid: {left: 8, right: 56, top: 10, bottom: 8},
      xAxis: {type: "value", splitNumber: 3, axisLabel: {formatter: axisTick}},
      yAxis: {type: "category", data: cats.map(function (c) { return c.label; })},
      tooltip: {trigger: "axis"},
      series: [{type: "bar", name: labels.elders, data: cats.map(function (c) { return c.n; }),
                label: {show: true, position: "right", formatter: function (p) { return fmt(p.value); }}}]
    });
    draw("levels", {
      tooltip: {trigger: "item"},
      legend: {bottom: 0, type: "scroll"},
      series: [{type: "pie", radius: ["38%", "66%"], center: ["50%", "44%"], name: labels.elders,
                label: {formatter: "{d}%"},
                data: r.levels.filter(function (l) { return l.n > 0; }).map(function (l) {
                  var item = {name: l.label, value: l.n};
                  if (l.key === "none") item.itemStyle = {color: "#9aa8a8"};
                  return item;
                })}]
    });
  }

  // --- services and alarms ------------------------------------------------------------
  function change(now, before) {
    if (before === null || before === undefined) return "";
    var diff = now - before;
    var text = (diff > 0 ? "+" : "") + fmt(Math.round(diff * 10) / 10);
    if (before) text += " (" + (diff > 0 ? "+" : "") + (100 * diff / before).toFixed(1) + "%)";
    return fill(labels.change, {change: text});
  }
  // A module with nothing at all to count (no orders in either period, no entitlements,
  // no ratings; no devices and no alarms) says so instead of showing a wall of zeros.
  function servicesEmpty(s) {
    return s === null || (s.orders + s.orders_previous + s.entitled_hours + s.ratings) === 0;
  }
  function alarmsEmpty(a) {
    return a === null || (a.devices_total + a.alarms_period + a.open_alarms +
                          sum(a.alarms_today_by_type)) === 0;
  }
  function renderServices(s) {
    showEmpty("services", servicesEmpty(s));
    if (servicesEmpty(s)) return;
    setFigure("orders", fmt(s.orders));
    setFigure("orders_change", change(s.orders, s.orders_previous));
    setFigure("hours", fmt(Math.round(s.hours * 10) / 10));
    setFigure("hours_change", change(s.hours, s.hours_previous));
    setFigure("satisfaction", s.satisfaction === null ? "–" : s.satisfaction.toFixed(2));
    setFigure("ratings_note", fill(labels.ratings, {n: fmt(s.ratings)}));
    setFigure("entitlement_use", s.entitled_hours ? percent(s.hours / s.entitled_hours) : "–");
    setFigure("entitled_note", labels.entitled + " " + fmt(Math.round(s.entitled_hours)));
    setFigure("visits_flagged", fmt(s.visits_flagged));
    setFigure("visits_rejected", fmt(s.visits_rejected));
    draw("services", {
      grid: {left: 8, right: 16, top: 30, bottom: 8},
      legend: {top: 0},
      xAxis: {type: "category", data: [labels.orders, labels.hours]},
      yAxis: {type: "value", axisLabel: {formatter: axisTick}},
      tooltip: {trigger: "axis"},
      series: [
        {name: labels.previous, type: "bar", data: [s.orders_previous, Math.round(s.hours_previous)]},
        {name: labels.this_period, type: "bar", data: [s.orders, Math.round(s.hours)]}
      ]
    });
  }
  function sum(obj) {
    return Object.keys(obj || {}).reduce(function (t, k) { return t + obj[k]; }, 0);
  }
  function renderAlarms(a) {
    showEmpty("alarms", alarmsEmpty(a));
    if (alarmsEmpty(a)) return;
    setFigure("alarms_today", fmt(sum(a.alarms_today_by_type)));
    setFigure("alarms_period", fmt(a.alarms_period));
    setFigure("open_alarms_note", fill(labels.open_alarms, {n: fmt(a.open_alarms)}));
    setFigure("ack_within_60s_share", percent(a.ack_within_60s_share));
    setFigure("ack_median_s", a.ack_median_s === null ? "–" : fill(labels.seconds, {n: Math.round(a.ack_median_s)}));
    setFigure("ack_p90_s", a.ack_p90_s === null ? "–" : fill(labels.seconds, {n: Math.round(a.ack_p90_s)}));
    setFigure("devices_online", fmt(a.devices_online));
    setFigure("devices_offline", fmt(a.devices_offline));
    var types = Object.keys(Object.assign({}, a.alarms_period_by_type, a.alarms_today_by_type));
    var names = types.map(function (t) { return (a.type_labels || {})[t] || t; });
    draw("alarms", {
      grid: {left: 8, right: 16, top: 30, bottom: 8},
      legend: {top: 0},
      xAxis: {type: "category", data: names, axisLabel: {interval: 0, rotate: names.length > 6 ? 25 : 0}},
      yAxis: {type: "value", axisLabel: {formatter: axisTick}},
      tooltip: {trigger: "axis"},
      series: [
        {name: labels.today, type: "bar", data: types.map(function (t) { return (a.alarms_today_by_type || {})[t] || 0; })},
        {name: labels.period, type: "bar", data: types.map(function (t) { return (a.alarms_period_by_type || {})[t] || 0; })}
      ]
    });
  }

  // --- the ranked table of towns / villages ------------------------------------------------
  function cell(tr, text, numeric, name) {
    var td = document.createElement("td");
    td.textContent = text;
    if (numeric) td.className = "yy-num";
    if (name) td.dataset.col = name;
    tr.appendChild(td);
    return td;
  }
  function renderChildren(data) {
    var body = root.querySelector("[data-rows='children']");
    body.textContent = "";
    if (data.child_level) setFigure("children_title", fill(labels.children, {level: data.child_level}));
    showEmpty("children", data.children.length === 0);
    var keep = new URLSearchParams(window.location.search);
    data.children.forEach(function (row) {
      var tr = document.createElement("tr");
      tr.dataset.region = row.code;
      tr.dataset.testid = "child-row";
      tr.setAttribute("data-testid", "child-row");
      cell(tr, row.rank, true, "rank");
      var link = document.createElement("a");
      var params = new URLSearchParams({region: row.code, period: data.period.value});
      if (keep.get("wall") === "1") params.set("wall", "1");
      link.href = row.url.split("?")[0] + "?" + params.toString();
      link.textContent = row.name;
      cell(tr, "", false, "name").appendChild(link);
      cell(tr, fmt(row.aged_60), true, "aged_60");
      cell(tr, fmt(row.aged_80), true, "aged_80");
      cell(tr, fmt(row.aged_100), true, "aged_100");
      cell(tr, row.ageing_rate === null ? "–" : percent(row.ageing_rate, 2), true, "ageing_rate");
      cell(tr, fmt(row.disabled), true, "disabled");
      cell(tr, fmt(row.alone), true, "alone");
      cell(tr, fmt(row.orders), true, "orders");
      cell(tr, row.hours === null ? "–" : fmt(Math.round(row.hours * 10) / 10), true, "hours");
      cell(tr, fmt(row.alarms), true, "alarms");
      cell(tr, fmt(row.devices_offline), true, "devices_offline");
      body.appendChild(tr);
    });
  }

  // A wall display showing "this month" moves on to the next month by itself.
  function monthChanged(data) {
    if (root.dataset.followsToday !== "1" || data.period.value.length !== 7) return false;
    var now = new Date();
    var month = now.getFullYear() + "-" + String(now.getMonth() + 1).padStart(2, "0");
    return month > data.period.value;
  }

  function render(data) {
    if (lastData && monthChanged(data)) { window.location.reload(); return; }
    lastData = data;
    setFigure("as_of", data.as_of);
    renderRegistry(data.registry);
    renderServices(data.services);
    renderAlarms(data.alarms);
    renderChildren(data);
    root.dataset.state = "ready";
    root.dataset.loadedAt = String(Date.now());
  }

  // --- the last twelve months (loaded once: history does not change by the minute) ---------
  function renderTrend(rows) {
    var known = function (key) { return rows.some(function (r) { return r[key] !== null; }); };
    var empty = !(known("aged_60") || known("orders") || known("alarms"));
    showEmpty("trend", empty);
    if (empty) return;
    root.querySelector("[data-chart='trend']").dataset.months = rows.map(function (r) {
      return r.month; }).join(",");
    draw("trend", {
      grid: {left: 8, right: 8, top: 36, bottom: 8},
      legend: {top: 0},
      tooltip: {trigger: "axis"},
      xAxis: {type: "category", data: rows.map(function (r) { return r.month; })},
      yAxis: [{type: "value", name: labels.aged_60, axisLabel: {formatter: axisTick}, scale: true},
              {type: "value", axisLabel: {formatter: axisTick}, splitLine: {show: false}}],
      series: [
        {name: labels.aged_60, type: "line", yAxisIndex: 0, connectNulls: false, symbolSize: 6,
         data: rows.map(function (r) { return r.aged_60; })},
        {name: labels.orders, type: "bar", yAxisIndex: 1, barMaxWidth: 18,
         data: rows.map(function (r) { return r.orders; })},
        {name: labels.alarms, type: "bar", yAxisIndex: 1, barMaxWidth: 18,
         data: rows.map(function (r) { return r.alarms; })},
      ],
    });
    root.dataset.trend = "ready";
  }

  function loadTrend() {
    if (!root.dataset.seriesUrl || !panel("trend")) return;
    fetch(root.dataset.seriesUrl, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
      .then(renderTrend)
      .catch(function () { showEmpty("trend", true); });
  }

  function load() {
    return fetch(root.dataset.url, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
      .then(function (data) {
        root.querySelector("[data-error]").classList.add("d-none");
        render(data);
      })
      .catch(function () {
        root.querySelector("[data-error]").classList.remove("d-none");
        root.dataset.state = lastData ? "ready" : "error";
      });
  }

  function showClock() {
    var clock = root.querySelector("[data-clock]");
    if (clock) clock.textContent = new Date().toLocaleString("zh-CN", {hour12: false});
  }

  document.addEventListener("DOMContentLoaded", function () {
    root = document.getElementById("yy-dashboard");
    if (!root) return;
    labels = JSON.parse(document.getElementById("yy-dash-labels").textContent);
    animate = root.dataset.animate === "1" &&
      !window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    load();
    if (!isDark()) loadTrend();
    showClock();
    setInterval(showClock, 1000);
    var refresh = Number(root.dataset.refresh || 0);
    if (refresh > 0) setInterval(load, refresh * 1000);
    window.addEventListener("resize", function () {
      Object.keys(charts).forEach(function (k) { charts[k].resize(); });
    });
    var full = root.querySelector("[data-fullscreen]");
    if (full) full.addEventListener("click", function () {
      if (document.fullscreenElement) document.exitFullscreen();
      else document.documentElement.requestFullscreen();
    });
  });
})();
