(function () {
  var element = document.getElementById("radar");
  var data = JSON.parse(document.getElementById("radar-data").textContent);
  if (!element || !window.echarts || !data.indicators.length) return;
  // Long (English) dimension names break between words, so that the labels beside the chart stay inside
  // it; on a phone the chart itself is smaller to leave them room.
  var narrow = element.clientWidth < 480;
  function wrap(name) {
    var lines = [], line = "";
    name.split(" ").forEach(function (word) {
      if (line && (line + " " + word).length > (narrow ? 10 : 14)) { lines.push(line); line = word; }
      else { line = line ? line + " " + word : word; }
    });
    lines.push(line);
    return lines.join("\n");
  }
  var chart = echarts.init(element);
  chart.setOption({
    tooltip: { renderMode: "richText" },  // drawn on the canvas: HTML tooltips carry inline style (CSP)
    legend: { bottom: 0, data: [data.base_label, data.median_label] },
    radar: {
      indicator: data.indicators,
      radius: narrow ? "34%" : "58%",
      axisName: { formatter: wrap, fontSize: narrow ? 11 : 12 }
    },
    series: [{
      type: "radar",
      data: [
        { value: data.base, name: data.base_label, areaStyle: { opacity: 0.2 } },
        { value: data.median, name: data.median_label, lineStyle: { type: "dashed" } }
      ]
    }]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
