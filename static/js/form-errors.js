/* Refused forms. The focus goes to the error summary (or the edit-conflict notice), so that
   screen reader and keyboard users land on what to fix; a refused form marked
   data-focus-on-load (the write-up page's send-back and follow-up forms) puts the focus in its
   first invalid field, scrolled into view; each link of the summary then puts the
   focus in its field (a plain anchor would only scroll) and shows the field's label too. */
(function () {
  "use strict";
  var target = document.querySelector("#conflit, [data-focus-on-load]");
  if (target && target.tagName === "FORM") {
    var invalid = target.querySelector("[aria-invalid=true]") || target;
    invalid.scrollIntoView({block: "center"});
    if (invalid === target && !target.hasAttribute("tabindex")) {
      target.setAttribute("tabindex", "-1");
    }
    invalid.focus({preventScroll: true});
  } else if (target) {
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
