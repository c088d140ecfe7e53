/* Company registry lookup on the lead and client forms: asks GET /api/registry/lookup and
   fills the form's company fields from the chosen result. */
(function () {
  "use strict";
  var FIELDS = ["registration_number", "vat_id", "street", "city", "postcode", "country"];
  function fill(form, company) {
    var nameInput = form.querySelector('[name="company_name"]') || form.querySelector('[name="name"]');
    if (nameInput && company.name) { nameInput.value = company.name; }
    FIELDS.forEach(function (key) {
      var input = form.querySelector('[name="' + key + '"]');
      if (input && company[key]) { input.value = company[key]; }
    });
  }
  document.querySelectorAll("[data-registry-lookup]").forEach(function (box) {
    var form = box.closest("form");
    var message = box.querySelector("[data-registry-message]");
    var list = box.querySelector("[data-registry-results]");
    function say(text) {
      message.textContent = "";
      if (text) { var li = document.createElement("li"); li.textContent = text; message.appendChild(li); }
    }
    function run() {
      var q = box.querySelector("[data-registry-q]").value.trim();
      var country = box.querySelector("[data-registry-country]").value;
      list.textContent = "";
      say("");
      var url = box.dataset.url + "?country=" + encodeURIComponent(country) + "&q=" + encodeURIComponent(q);
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
        .then(function (res) {
          if (!res.ok) {
            var errs = res.body.errors || [];
            say(errs.length ? errs[0].message : res.body.detail);
            return;
          }
          if (!res.body.results.length) { say(box.dataset.empty || "Nothing found."); return; }
          res.body.results.forEach(function (company) {
            var li = document.createElement("li");
            var button = document.createElement("button");
            button.type = "button";
            button.className = "btn";
            button.textContent = company.name + " · " + (company.registration_number || company.vat_id) +
              " · " + [company.street, company.postcode, company.city].filter(Boolean).join(", ");
            button.addEventListener("click", function () { fill(form, company); list.textContent = ""; });
            li.appendChild(button);
            list.appendChild(li);
          });
        })
        .catch(function () { say(document.body.dataset.msgRegistryDown || "The registry cannot be reached now."); });
    }
    box.querySelector("[data-registry-go]").addEventListener("click", run);
    box.querySelector("[data-registry-q]").addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); run(); }
    });
  });
})();
