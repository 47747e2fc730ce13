/* A base over time: one indicator at a time against the direction median and the peer quartiles, the radar
   of the latest scorecard, the rank in every run with its interval. Data: json_script "profile-data". */
(function () {
  var source = document.getElementById("profile-data");
  if (!source || !window.echarts) return;
  var data = JSON.parse(source.textContent);
  var charts = [];
  var narrow = window.innerWidth < 576;

  var seriesElement = document.getElementById("series-chart");
  var select = document.getElementById("series-indicator");
  if (seriesElement && data.series.length) {
    var chart = echarts.init(seriesElement);
    charts.push(chart);
    var draw = function (n) {
      var s = data.series[n];
      var years = s.points.map(function (p) { return String(p.year); });
      var low = s.points.map(function (p) { return p.p25; });
      var band = s.points.map(function (p) { return p.p75 === null || p.p25 === null ? null : p.p75 - p.p25; });
      chart.setOption({
        tooltip: { trigger: "axis" },
        legend: { bottom: 0, data: [data.labels.base, data.labels.median, data.labels.quartiles] },
        grid: { left: narrow ? 50 : 70, right: 16, top: 16, bottom: 48 },
        xAxis: { type: "category", data: years, boundaryGap: false },
        yAxis: { type: "value", name: s.unit },
        series: [
          { type: "line", stack: "quartiles", data: low, lineStyle: { opacity: 0 }, symbol: "none", tooltip: { show: false } },
          { type: "line", stack: "quartiles", name: data.labels.quartiles, data: band, lineStyle: { opacity: 0 },
            symbol: "none", areaStyle: { opacity: 0.18, color: "#1f6fb2" }, color: "#9fc3e7" },
          { type: "line", name: data.labels.median, data: s.points.map(function (p) { return p.median; }),
            lineStyle: { type: "dashed" }, color: "#6c7a89" },
          { type: "line", name: data.labels.base, data: s.points.map(function (p) { return p.value; }),
            lineStyle: { width: 3 }, color: "#d63939" }
        ]
      }, true);
    };
    draw(0);
    if (select) select.addEventListener("change", function () { draw(Number(select.value)); });
  }

  var radarElement = document.getElementById("profile-radar");
  if (radarElement && data.radar) {
    var radar = echarts.init(radarElement);
    charts.push(radar);
    radar.setOption({
      tooltip: {},
      legend: { bottom: 0, data: [data.radar.base_label, data.radar.median_label] },
      radar: { indicator: data.radar.indicators, radius: narrow ? "50%" : "62%", axisName: { fontSize: narrow ? 10 : 12 } },
      series: [{ type: "radar", data: [
        { value: data.radar.base, name: data.radar.base_label, areaStyle: { opacity: 0.2 } },
        { value: data.radar.median, name: data.radar.median_label, lineStyle: { type: "dashed" } }
      ] }]
    });
  }

  var rankElement = document.getElementById("rank-chart");
  if (rankElement && data.ranks.length) {
    var ranks = echarts.init(rankElement);
    charts.push(ranks);
    var labels = data.ranks.map(function (r) { return r.label; });
    ranks.setOption({
      tooltip: { trigger: "axis" },
      legend: { bottom: 0, data: [data.labels.rank, data.labels.interval] },
      grid: { left: 40, right: 16, top: 16, bottom: 48 },
      xAxis: { type: "category", data: labels, axisLabel: { show: !narrow } },
      yAxis: { type: "value", inverse: true, minInterval: 1, min: 1 },
      series: [
        { type: "line", stack: "interval", data: data.ranks.map(function (r) { return r.p05; }), lineStyle: { opacity: 0 }, symbol: "none", tooltip: { show: false } },
        { type: "line", stack: "interval", name: data.labels.interval, lineStyle: { opacity: 0 }, symbol: "none",
          data: data.ranks.map(function (r) { return r.p95 === null || r.p05 === null ? null : r.p95 - r.p05; }),
          areaStyle: { opacity: 0.18, color: "#1f6fb2" }, color: "#9fc3e7" },
        { type: "line", name: data.labels.rank, data: data.ranks.map(function (r) { return r.rank; }), lineStyle: { width: 3 }, color: "#d63939" }
      ]
    });
  }
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
