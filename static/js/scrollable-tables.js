/* Wide tables scroll sideways inside their DSFR container on small screens. A table with no
   link or button in it would then be out of the keyboard's reach (RGAA 12.13; axe-core's
   « scrollable-region-focusable »): such a container becomes a focusable region, named after
   its table's caption, for as long as it scrolls. */
(function () {
  "use strict";
  var MARK = "data-kb-scroll-region";

  function scrolls(element) {
    var overflow = window.getComputedStyle(element).overflowX;
    return (overflow === "auto" || overflow === "scroll") && element.scrollWidth > element.clientWidth + 1;
  }

  function reachable(element) {
    return element.querySelector("a[href], button, input, select, textarea, [tabindex]") !== null;
  }

  function update() {
    document.querySelectorAll(".fr-table__container, .fr-table > table").forEach(function (box) {
      var ours = box.hasAttribute(MARK);
      if (scrolls(box) && (ours || (!reachable(box) && !box.hasAttribute("tabindex")))) {
        if (ours) { return; }
        var caption = box.querySelector("caption");
        box.setAttribute(MARK, "");
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", (caption ? caption.textContent.trim() + " — " : "")
          + "tableau défilant horizontalement");
      } else if (ours && !scrolls(box)) {
        ["tabindex", "role", "aria-label", MARK].forEach(function (name) { box.removeAttribute(name); });
      }
    });
  }

  var timer = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(update, 200);
  });
  window.addEventListener("load", update);
  if (document.readyState === "complete") { update(); }
}());
