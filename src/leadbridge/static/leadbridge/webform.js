/* Leadbridge embeddable form: <form data-leadbridge-form action="https://crm/f/KEY">.
   Fetches a fill-time token, posts JSON with an Idempotency-Key (one lead per submission,
   however often the button is pressed) and shows the answer or the field messages.
   Without JavaScript the same form posts normally to the hosted endpoint. */
(function () {
  "use strict";
  function setHidden(form, name, value) {
    var input = form.querySelector('input[name="' + name + '"]');
    if (!input) {
      input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      form.appendChild(input);
    }
    input.value = value;
  }
  function showErrors(form, body) {
    form.querySelectorAll(".lb-error").forEach(function (el) { el.remove(); });
    (body.errors || []).forEach(function (err) {
      var field = form.querySelector('[name="' + err.field + '"]');
      var span = document.createElement("span");
      span.className = "lb-error";
      span.textContent = err.message;
      (field ? field.parentNode : form).appendChild(span);
    });
    if (!(body.errors || []).length) {
      var p = document.createElement("p");
      p.className = "lb-error";
      p.textContent = body.detail || "Error";
      form.appendChild(p);
    }
  }
  document.querySelectorAll("form[data-leadbridge-form]").forEach(function (form) {
    var action = form.getAttribute("action");
    fetch(action + "/token").then(function (r) { return r.json(); }).then(function (t) {
      setHidden(form, "_lb_t", t.token);
      setHidden(form, "_lb_sid", t.submission_id);
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var data = {};
      new FormData(form).forEach(function (value, key) { data[key] = value; });
      var sid = data._lb_sid || String(Date.now());
      fetch(action, {
        method: "POST",
        headers: { "Content-Type": "application/json", "Idempotency-Key": sid },
        body: JSON.stringify(data),
      }).then(function (r) {
        return r.json().then(function (body) { return { ok: r.ok, body: body }; });
      }).then(function (res) {
        if (!res.ok) { showErrors(form, res.body); return; }
        var p = document.createElement("p");
        p.className = "lb-thanks";
        p.textContent = res.body.message;
        form.replaceWith(p);
      });
    });
  });
})();
