/* The portal's charts: the map of bases (a click opens the province's list) and the index over the years.
   Data comes from the page (json_script). */
(function () {
  if (!window.echarts) return;
  var narrow = window.innerWidth < 576;
  var charts = [];

  var mapData = document.getElementById("public-map-data");
  var mapElement = document.getElementById("public-map");
  if (mapData && mapElement && echarts.getMap && echarts.getMap("china")) {
    var rows = JSON.parse(mapData.textContent);
    var nameMap = {};
    rows.forEach(function (p) { nameMap[p.name] = p.label; });
    var max = Math.max.apply(null, rows.map(function (p) { return p.bases; }).concat([1]));
    var map = echarts.init(mapElement);
    charts.push(map);
    map.setOption({
      tooltip: { trigger: "item", formatter: function (item) { return item.name + "：" + ((item.data && item.data.value) || 0); } },
      visualMap: { min: 0, max: max, left: 0, bottom: 0, calculable: true, itemHeight: narrow ? 80 : 140,
                   inRange: { color: ["#e8f1fb", "#1f6fb2", "#0b3d6b"] } },
      series: [{
        type: "map", map: "china", nameMap: nameMap, zoom: 1.15, top: narrow ? 10 : 30, selectedMode: false,
        label: { show: !narrow, fontSize: 9 },
        data: rows.map(function (p) { return { name: p.label, value: p.bases, url: p.url }; })
      }]
    });
    map.on("click", function (item) { if (item.data && item.data.url) window.location.href = item.data.url; });
    window.portalMap = map;
  }

  var indexData = document.getElementById("index-data");
  var indexElement = document.getElementById("index-chart");
  if (indexData && indexElement) {
    var index = JSON.parse(indexData.textContent);
    var chart = echarts.init(indexElement);
    charts.push(chart);
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { bottom: 0, type: "scroll" },
      grid: { left: 50, right: 20, top: 20, bottom: 50 },
      xAxis: { type: "category", data: index.years.map(String) },
      yAxis: { type: "value", scale: true },
      series: index.series.map(function (s) {
        return { type: "line", name: s.label, data: s.composite, lineStyle: { width: s.key === "national" ? 3 : 1.5 } };
      })
    });
  }
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
