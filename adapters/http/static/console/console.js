// After HTMX swaps in an answer, move the keyboard focus to it: the first field with an error,
// or else the result. (A file served by the app: the console's CSP allows no inline script.)
document.addEventListener("htmx:afterSettle", function (event) {
  var target = event.detail && event.detail.target;
  if (!target) return;
  var focus = target.querySelector("[aria-invalid='true']") || target.querySelector(".resultado");
  if (focus) focus.focus();
});
