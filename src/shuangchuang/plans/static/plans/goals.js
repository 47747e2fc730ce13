// Each goal of the plan in force: the yearly targets, the straight line from the baseline to the final
// target, and the actual values (approved monitoring data, or the base's own reports), one small chart each.
(function () {
  var source = document.getElementById("plan-chart-data");
  if (!source || !window.echarts) return;
  var goals = JSON.parse(source.textContent);
  var charts = [];
  goals.forEach(function (goal) {
    var element = document.querySelector('.plan-chart[data-goal="' + goal.id + '"]');
    if (!element) return;
    var chart = echarts.init(element);
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { bottom: 0, data: [goal.labels.target, goal.labels.expected, goal.labels.actual] },
      grid: { left: 48, right: 16, top: 16, bottom: 48 },
      xAxis: { type: "category", data: goal.years.map(String) },
      yAxis: { type: "value" },
      series: [
        { name: goal.labels.target, type: "bar", data: goal.target, itemStyle: { opacity: 0.35 } },
        { name: goal.labels.expected, type: "line", data: goal.expected, lineStyle: { type: "dashed" }, symbol: "none" },
        { name: goal.labels.actual, type: "line", data: goal.actual, connectNulls: false }
      ]
    });
    charts.push(chart);
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
