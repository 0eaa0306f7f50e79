/* Facet filters applied in place. Without JavaScript the « Appliquer les filtres » form is a
   plain GET form that reloads the page. With it, the form is sent with fetch, the results zone
   (#zone-resultats) is replaced by the same zone of the new page, the address and the page
   title follow (« Recherche : tablettes, 2 filtres — 12 résultats — … »), so does the Atom feed
   announced in <head>, the focus stays on
   the button or goes to the results heading, and the new count is announced through the
   role="status" live region (#annonce-resultats). Any failure falls back to a normal visit. */
(function () {
  "use strict";
  var zone = document.getElementById("zone-resultats");
  var status = document.getElementById("annonce-resultats");
  if (!zone || !status || !window.fetch || !window.DOMParser || !window.history.pushState) {
    return;
  }
  var sequence = 0;
  var pushed = false;

  function formUrl(form) {
    var query = new URLSearchParams(new FormData(form)).toString();
    return form.action.split("?")[0] + (query ? "?" + query : "");
  }

  function visible(element) {
    /* A button in the folded facets panel (small screens) has boxes but is not focusable. */
    return Boolean(element) && element.getClientRects().length > 0
      && window.getComputedStyle(element).visibility !== "hidden";
  }

  function refreshSearchForm(freshDocument) {
    /* The hidden filter fields of the main search form must follow the new filters; what the
       visitor typed in its text field is left alone. */
    var form = document.getElementById("recherche-page");
    var fresh = freshDocument.getElementById("recherche-page");
    if (!form || !fresh) { return; }
    form.querySelectorAll("input[type=hidden]").forEach(function (input) { input.remove(); });
    var button = form.querySelector("[type=submit]");
    fresh.querySelectorAll("input[type=hidden]").forEach(function (input) {
      form.insertBefore(document.importNode(input, true), button);
    });
  }

  function refreshFeedLink(freshDocument) {
    /* The Atom feed announced in <head> carries the filters, like the page's own link. */
    var selector = 'link[rel="alternate"][type="application/atom+xml"]';
    var link = document.querySelector(selector);
    var fresh = freshDocument.querySelector(selector);
    if (link && fresh) {
      link.setAttribute("href", fresh.getAttribute("href"));
      link.setAttribute("title", fresh.getAttribute("title"));
    }
  }

  function announce(text) {
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 150);
  }

  function apply(url, focusId) {
    var current = ++sequence;
    zone.setAttribute("aria-busy", "true");
    fetch(url, {headers: {"Accept": "text/html"}, credentials: "same-origin"})
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.text();
      })
      .then(function (html) {
        if (current !== sequence) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html");
        var freshZone = fresh.getElementById("zone-resultats");
        if (!freshZone) { throw new Error("zone-resultats"); }
        zone.replaceChildren.apply(zone, Array.from(freshZone.childNodes).map(function (node) {
          return document.importNode(node, true);
        }));
        refreshSearchForm(fresh);
        refreshFeedLink(fresh);
        document.title = fresh.title;
        window.history.pushState({kbSearch: true}, "", url);
        pushed = true;
        var heading = document.getElementById("resultats");
        var target = document.getElementById(focusId);
        (visible(target) ? target : heading).focus();
        announce((heading ? heading.textContent.trim() : "") + ". Filtres appliqués.");
      })
      .catch(function () { window.location.assign(url); })
      .then(function () { zone.removeAttribute("aria-busy"); });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("kb-facets")) { return; }
    event.preventDefault();
    apply(formUrl(form), (event.submitter && event.submitter.id) || "appliquer-filtres");
  });

  window.addEventListener("popstate", function () {
    /* Back and forward between searches filtered in place: show the page of that address. */
    if (pushed) { window.location.reload(); }
  });
}());
