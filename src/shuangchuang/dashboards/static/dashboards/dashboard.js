/* The dashboard's charts: the China map (a choice of figure per province; a click opens the province's
   bases), the breakdowns and the trends. Data comes from the page (json_script "dashboard-data"). */
(function () {
  var source = document.getElementById("dashboard-data");
  if (!source || !window.echarts) return;
  var data = JSON.parse(source.textContent);
  var charts = [];
  var narrow = window.innerWidth < 576;

  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  function labelOf(code) {
    if (code === "bases") return data.base_label;
    var found = data.indicators.filter(function (i) { return i.code === code; })[0];
    return found ? found.heading : code;
  }

  var mapElement = document.getElementById("china-map");
  if (mapElement && echarts.getMap && echarts.getMap("china")) {
    var map = echarts.init(mapElement);
    charts.push(map);
    var draw = function (metric) {
      var nameMap = {};
      data.map.forEach(function (p) { nameMap[p.name] = p.label; });
      var rows = data.map.map(function (p) {
        return {
          name: p.label,
          value: metric === "bases" ? p.bases : p.values[metric],
          url: p.url
        };
      });
      var max = Math.max.apply(null, rows.map(function (r) { return r.value || 0; }).concat([1]));
      map.setOption({
        tooltip: {
          trigger: "item",
          formatter: function (item) {
            var value = item.data ? item.data.value : 0;
            return item.name + "<br>" + labelOf(metric) + "：" + (value || 0).toLocaleString();
          }
        },
        visualMap: {
          min: 0, max: max, left: 0, bottom: 0, calculable: true, itemHeight: narrow ? 80 : 140,
          inRange: { color: ["#e8f1fb", "#1f6fb2", "#0b3d6b"] }
        },
        series: [{
          type: "map", map: "china", roam: false, zoom: 1.15, top: narrow ? 10 : 30,
          selectedMode: false, name: labelOf(metric), nameMap: nameMap,
          label: { show: !narrow, fontSize: 9 },
          data: rows
        }]
      }, true);
    };
    var metric = document.getElementById("map-metric");
    draw(metric ? metric.value : "bases");
    if (metric) metric.addEventListener("change", function () { draw(metric.value); });
    map.on("click", function (item) {
      if (item.data && item.data.url) window.location.href = item.data.url;
    });
    window.dashboardMap = map;
  }

  Object.keys(data.breakdown || {}).forEach(function (table) {
    var element = document.getElementById("chart-" + table);
    if (!element) return;
    var rows = data.breakdown[table];
    var chart = echarts.init(element);
    charts.push(chart);
    chart.setOption({
      tooltip: { trigger: "axis" },
      grid: { left: narrow ? 90 : 140, right: 20, top: 10, bottom: 20 },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", inverse: true, data: rows.map(function (r) { return r.label; }),
               axisLabel: { width: narrow ? 80 : 130, overflow: "truncate" } },
      series: [{ type: "bar", name: data.base_label, data: rows.map(function (r) { return r.bases; }) }]
    });
  });

  document.querySelectorAll("[data-trend]").forEach(function (element) {
    var code = element.getAttribute("data-trend");
    var chart = echarts.init(element);
    charts.push(chart);
    chart.setOption({
      tooltip: { trigger: "axis" },
      grid: { left: 60, right: 10, top: 10, bottom: 24 },
      xAxis: { type: "category", data: data.trend.map(function (r) { return String(r.year); }) },
      yAxis: { type: "value" },
      series: [{
        type: "line", name: labelOf(code),
        data: data.trend.map(function (r) {
          return r.values.filter(function (v) { return v.code === code; })[0].value;
        })
      }]
    });
  });

  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
