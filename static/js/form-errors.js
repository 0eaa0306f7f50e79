/* Move the focus to the error summary (or the edit-conflict notice) of a refused form, so that
   screen reader and keyboard users land on what to fix. */
(function () {
  "use strict";
  var target = document.querySelector("#conflit, [data-focus-on-load]");
  if (target) {
    if (!target.hasAttribute("tabindex")) { target.setAttribute("tabindex", "-1"); }
    target.focus();
  }
}());
