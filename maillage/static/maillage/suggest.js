// Adds a search box above each <select multiple data-suggest>: results are appended as options.
(function () {
  "use strict";
  document.querySelectorAll("select[data-suggest]").forEach(function (select) {
    var wrapper = document.createElement("div");
    wrapper.className = "suggest";
    var label = document.createElement("label");
    var input = document.createElement("input");
    var status = document.createElement("p");
    input.type = "search";
    input.id = select.id + "_search";
    input.autocomplete = "off";
    label.htmlFor = input.id;
    label.textContent = select.dataset.suggestLabel || "Rechercher pour ajouter des choix";
    status.className = "help";
    status.setAttribute("aria-live", "polite");
    wrapper.append(label, input, status);
    select.parentNode.insertBefore(wrapper, select);
    var timer = null;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      var q = input.value.trim();
      if (q.length < 2) { status.textContent = ""; return; }
      timer = setTimeout(function () {
        fetch(select.dataset.suggest + "&q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
          .then(function (r) { return r.json(); })
          .then(function (data) {
            var added = 0;
            data.results.forEach(function (item) {
              if (!select.querySelector('option[value="' + item.id + '"]')) {
                select.add(new Option(item.label, item.id));
                added += 1;
              }
            });
            status.textContent = data.message;
          });
      }, 250);
    });
  });
})();
