/* Markdown preview of the form's text areas. The server renders and sanitises the text
   (POST /experiences/apercu, CSRF token included): what is shown is what will be published. */
(function () {
  "use strict";

  function csrfToken(form) {
    var field = form && form.querySelector("input[name$='csrf_token']");
    return field ? field.value : "";
  }

  function hide(button, region) {
    region.hidden = true;
    button.setAttribute("aria-expanded", "false");
    button.textContent = "Aperçu";
  }

  function show(button, region, html) {
    if (html) {
      region.innerHTML = html; /* sanitised by kb/html.py on the server */
    } else {
      region.textContent = "Rien à afficher pour l'instant\u00a0: le champ est vide.";
    }
    region.hidden = false;
    button.setAttribute("aria-expanded", "true");
    button.textContent = "Masquer l'aperçu";
  }

  function preview(button) {
    var textarea = document.getElementById(button.getAttribute("data-preview-for"));
    var region = document.getElementById(button.getAttribute("aria-controls"));
    if (button.getAttribute("aria-expanded") === "true") { hide(button, region); return; }
    var token = csrfToken(textarea.form);
    var body = new FormData();
    body.append("text", textarea.value);
    body.append("csrf_token", token);
    fetch(button.getAttribute("data-preview-url"), {
      method: "POST", body: body, credentials: "same-origin",
      headers: {"X-CSRFToken": token, "Accept": "application/json"}
    }).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.json();
    }).then(function (data) {
      show(button, region, data.html);
    }).catch(function () {
      region.textContent = "L'aperçu n'a pas pu être affiché. Réessayez dans un instant.";
      region.hidden = false;
    });
  }

  document.querySelectorAll("[data-preview-for]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { preview(button); });
  });
}());
