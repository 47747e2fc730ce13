// Behaviour the templates ask for with data attributes, so that no page needs inline script or style
// (the Content-Security-Policy allows neither; SECURITY.md "Headers").
//   data-css-width="40" / data-css-left="12.5"  → element.style.width / left in per cent
//   data-select-all="form|table"                 → this checkbox ticks every input[name=report] in it
//   <form data-confirm="question">               → asks before the form is sent
(function () {
  "use strict";
  var PERCENT = { cssWidth: "width", cssLeft: "left" };

  function apply(root) {
    if (!root || !root.querySelectorAll) return;
    var elements = Array.prototype.slice.call(root.querySelectorAll("[data-css-width], [data-css-left]"));
    if (root.matches && root.matches("[data-css-width], [data-css-left]")) elements.push(root);
    elements.forEach(function (element) {
      Object.keys(PERCENT).forEach(function (key) {
        var value = parseFloat(element.dataset[key]);
        if (!isNaN(value)) element.style[PERCENT[key]] = value + "%";
      });
    });
  }

  document.addEventListener("click", function (event) {
    var box = event.target.closest && event.target.closest("input[data-select-all]");
    if (!box) return;
    var scope = box.closest(box.dataset.selectAll);
    if (!scope) return;
    scope.querySelectorAll("input[name=report]").forEach(function (other) { other.checked = box.checked; });
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) event.preventDefault();
  });

  document.addEventListener("htmx:load", function (event) { apply(event.detail.elt); });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { apply(document); });
  } else {
    apply(document);
  }
})();
