/* Territory and organisation autocomplete: the ARIA 1.2 combobox pattern (input + listbox), fed
   by GET /api/v1/territoires?q=… or /api/v1/organisations?q=… (the group's data-api).

   Without JavaScript the field is a plain text input that takes a territory code (C23096, D23…)
   or a name. With it, the same input becomes the combobox (renamed to the form's "search"
   field, so the server can still read what was typed) and a hidden input carries the chosen
   code under the field's own name. Typing again clears the code until an option is chosen.
   The group's data attributes name what is chosen (data-list-label, data-one, data-many,
   data-none, data-chosen: territories by default), data-value-pattern the codes it keeps and
   data-value the code already chosen; an option's "detail" from the API, when given, is shown
   after its label. */
(function () {
  "use strict";
  var DELAY_MS = 200;
  var MIN_LENGTH = 2;
  var KINDS = {region: "Région", com: "Collectivité d'outre-mer", departement: "Département", epci: "Intercommunalité", commune: "Commune"};

  function formatNumber(value) {
    return String(value).replace(/\B(?=(\d{3})+(?!\d))/g, "\u202f");
  }

  function describe(territory) {
    var text = KINDS[territory.kind] || territory.kind;
    if (territory.population) { text += ", " + formatNumber(territory.population) + "\u00a0habitants"; }
    return text;
  }

  function Combobox(group) {
    this.input = group.querySelector("input.fr-input");
    this.api = group.getAttribute("data-api");
    this.code = document.createElement("input");
    this.code.type = "hidden";
    this.code.name = this.input.name;
    var pattern = new RegExp(group.getAttribute("data-value-pattern") || "^[RDEC][0-9AB]+$", "i");
    var initial = group.getAttribute("data-value") || this.input.value;
    this.code.value = pattern.test(initial) ? initial.toUpperCase() : "";
    this.words = {
      list: group.getAttribute("data-list-label") || "Territoires proposés",
      one: group.getAttribute("data-one") || "territoire proposé",
      many: group.getAttribute("data-many") || "territoires proposés",
      none: group.getAttribute("data-none") || "Aucun territoire ne correspond.",
      chosen: group.getAttribute("data-chosen") || "Territoire choisi"
    };
    this.input.name = group.getAttribute("data-search-name");
    this.input.value = group.getAttribute("data-label") || this.input.value;
    this.listbox = document.createElement("ul");
    this.listbox.id = this.input.id + "-liste";
    this.listbox.className = "kb-combobox__listbox";
    this.listbox.setAttribute("role", "listbox");
    this.listbox.setAttribute("aria-label", this.words.list);
    this.listbox.hidden = true;
    this.status = document.createElement("p");
    this.status.className = "fr-sr-only";
    this.status.setAttribute("role", "status");
    group.classList.add("kb-combobox");
    this.input.after(this.code, this.listbox, this.status);
    this.input.setAttribute("role", "combobox");
    this.input.setAttribute("aria-autocomplete", "list");
    this.input.setAttribute("aria-expanded", "false");
    this.input.setAttribute("aria-controls", this.listbox.id);
    this.options = [];
    this.active = -1;
    this.timer = null;
    this.sequence = 0;
    this.bind();
  }

  Combobox.prototype.bind = function () {
    var self = this;
    this.input.addEventListener("input", function () {
      self.code.value = "";
      window.clearTimeout(self.timer);
      self.timer = window.setTimeout(function () { self.search(); }, DELAY_MS);
    });
    this.input.addEventListener("keydown", function (event) { self.onKey(event); });
    this.input.addEventListener("blur", function () {
      window.setTimeout(function () { self.close(); }, 150);
    });
    this.listbox.addEventListener("mousedown", function (event) { event.preventDefault(); });
    this.listbox.addEventListener("click", function (event) {
      var option = event.target.closest("[role=option]");
      if (option) { self.choose(Number(option.getAttribute("data-index"))); }
    });
  };

  Combobox.prototype.search = function () {
    var self = this;
    var query = this.input.value.trim();
    var sequence = ++this.sequence;
    if (query.length < MIN_LENGTH) { this.close(); return; }
    fetch(this.api + "?q=" + encodeURIComponent(query), {headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : []; })
      .then(function (territories) { if (sequence === self.sequence) { self.render(territories); } })
      .catch(function () { self.close(); });
  };

  Combobox.prototype.render = function (territories) {
    var self = this;
    this.options = territories;
    this.active = -1;
    this.listbox.textContent = "";
    territories.forEach(function (territory, index) {
      var item = document.createElement("li");
      item.id = self.listbox.id + "-" + index;
      item.className = "kb-combobox__option";
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", "false");
      item.setAttribute("data-index", String(index));
      item.setAttribute("data-code", territory.code);
      var name = document.createElement("span");
      name.textContent = territory.label;
      var detail = document.createElement("span");
      detail.className = "kb-combobox__detail";
      detail.textContent = " — " + (territory.detail || describe(territory));
      item.append(name, detail);
      self.listbox.appendChild(item);
    });
    this.status.textContent = territories.length
      ? territories.length + " " + (territories.length > 1 ? this.words.many : this.words.one) + "\u202f; flèches haut et bas pour parcourir, Entrée pour choisir."
      : this.words.none;
    this.setOpen(territories.length > 0);
  };

  Combobox.prototype.onKey = function (event) {
    var open = !this.listbox.hidden;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (!open) {
        /* Down Arrow opens the list (Alt+Down without choosing), as in the ARIA pattern. */
        if (this.options.length) {
          this.setOpen(true);
          if (!event.altKey) { this.highlight(event.key === "ArrowDown" ? 0 : this.options.length - 1); }
        } else {
          this.search();
        }
        return;
      }
      if (event.altKey && event.key === "ArrowUp") { this.close(); return; }
      var step = event.key === "ArrowDown" ? 1 : -1;
      var start = this.active < 0 && step < 0 ? 0 : this.active;
      this.highlight((start + step + this.options.length) % this.options.length);
    } else if (event.key === "Enter" && open && this.active >= 0) {
      event.preventDefault();
      this.choose(this.active);
    } else if (event.key === "Escape") {
      if (open) { event.preventDefault(); this.close(); } else { this.input.value = ""; this.code.value = ""; }
    }
  };

  Combobox.prototype.highlight = function (index) {
    var items = this.listbox.children;
    if (this.active >= 0 && items[this.active]) { items[this.active].setAttribute("aria-selected", "false"); }
    this.active = index;
    items[index].setAttribute("aria-selected", "true");
    items[index].scrollIntoView({block: "nearest"});
    this.input.setAttribute("aria-activedescendant", items[index].id);
  };

  Combobox.prototype.choose = function (index) {
    var territory = this.options[index];
    if (!territory) { return; }
    this.code.value = territory.code;
    this.input.value = territory.label;
    this.status.textContent = this.words.chosen + "\u00a0: " + territory.label + ".";
    this.close();
  };

  Combobox.prototype.setOpen = function (open) {
    this.listbox.hidden = !open;
    this.input.setAttribute("aria-expanded", open ? "true" : "false");
    if (!open) { this.input.removeAttribute("aria-activedescendant"); }
  };

  Combobox.prototype.close = function () { this.setOpen(false); this.active = -1; };

  document.querySelectorAll("[data-autocomplete]").forEach(function (group) {
    new Combobox(group);
  });
}());
