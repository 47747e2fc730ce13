(function () {
  var element = document.getElementById("radar");
  var data = JSON.parse(document.getElementById("radar-data").textContent);
  if (!element || !window.echarts || !data.indicators.length) return;
  var chart = echarts.init(element);
  chart.setOption({
    tooltip: {},
    legend: { bottom: 0, data: [data.base_label, data.median_label] },
    radar: { indicator: data.indicators, radius: "62%" },
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
