/* Refused forms. The focus goes to the error summary (or the edit-conflict notice), so that
   screen reader and keyboard users land on what to fix; each link of the summary then puts the
   focus in its field (a plain anchor would only scroll) and shows the field's label too. */
(function () {
  "use strict";
  var target = document.querySelector("#conflit, [data-focus-on-load]");
  if (target) {
    if (!target.hasAttribute("tabindex")) { target.setAttribute("tabindex", "-1"); }
    target.focus();
  }
  document.querySelectorAll("#erreurs a[href^='#']").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var field = document.getElementById(link.getAttribute("href").slice(1));
      if (!field) { return; }
      event.preventDefault();
      var group = field.closest(".fr-input-group, .fr-select-group, .fr-fieldset") || field;
      group.scrollIntoView({block: "start"});
      field.focus({preventScroll: true});
    });
  });
}());
