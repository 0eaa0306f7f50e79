/* The display setting chosen in « Paramètres d'affichage » (the DSFR keeps it in localStorage
   under "scheme"), applied before the first paint so that a dark theme never flashes light. The
   DSFR's own script takes over once loaded. Loaded in <head>, without defer, on purpose. */
(function () {
  "use strict";
  var root = document.documentElement;
  var saved = null;
  try { saved = window.localStorage.getItem("scheme"); } catch (error) { saved = null; }
  var wanted = saved || root.getAttribute("data-fr-scheme");
  var dark = wanted === "dark" || (wanted === "system" && Boolean(window.matchMedia)
    && window.matchMedia("(prefers-color-scheme: dark)").matches);
  if (dark) {
    root.setAttribute("data-fr-theme", "dark");
    root.style.colorScheme = "dark";
  }
}());
