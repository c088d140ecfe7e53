/* Leadbridge behaviours, attached by data attributes (no inline scripts, so a strict CSP works). */
(function () {
  "use strict";

  function csrfToken() {
    var headers = document.body.getAttribute("hx-headers");
    try { return JSON.parse(headers)["X-CSRFToken"]; } catch (e) { return ""; }
  }

  function post(url, data) {
    var body = new URLSearchParams(data);
    return fetch(url, {
      method: "POST",
      headers: { "X-CSRFToken": csrfToken(), "Content-Type": "application/x-www-form-urlencoded", "HX-Request": "true" },
      body: body,
      credentials: "same-origin",
    });
  }

  // Select-all checkbox for list rows.
  document.addEventListener("change", function (event) {
    var all = event.target.closest("[data-check-all]");
    if (!all) return;
    var scope = document.querySelector(all.getAttribute("data-check-all"));
    if (!scope) return;
    scope.querySelectorAll("input[type=checkbox][name=ids]").forEach(function (box) { box.checked = all.checked; });
  });

  // Forms that ask before they submit: the question sits on the button that submits or on
  // the form. A chosen bulk action may ask its own question with the number of ticked rows
  // (`data-confirm-counted` names a JSON list made by the server: the question for 1, 2, …
  // rows, each in the page's language with its plural form).
  function confirmQuestion(form, submitter) {
    var action = form.querySelector("select[data-bulk-action]");
    var option = action && action.selectedOptions[0];
    var listId = option && option.getAttribute("data-confirm-counted");
    if (listId) {
      var ticked = Array.prototype.filter.call(form.elements, function (el) { return el.name === "ids" && el.checked; }).length;
      var source = document.getElementById(listId);
      var questions = source ? JSON.parse(source.textContent) : [];
      if (ticked > 0 && questions[ticked - 1]) return questions[ticked - 1];
    }
    if (submitter && submitter.hasAttribute("data-confirm")) return submitter.getAttribute("data-confirm");
    return form.getAttribute("data-confirm");
  }
  document.addEventListener("submit", function (event) {
    var question = confirmQuestion(event.target, event.submitter);
    if (question && !window.confirm(question)) event.preventDefault();
  });

  // Bulk toolbars: show the fields the chosen action uses, and require the ones it needs
  // (a task without a subject is refused at the field, before anything is sent).
  function syncBulkFields(select) {
    var form = select.form;
    var option = select.selectedOptions[0];
    var used = ((option && option.getAttribute("data-fields")) || "").split(" ");
    var action = select.value;
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el === select || !el.name || el.type === "hidden" || el.type === "submit" || el.name === "ids") return;
      el.hidden = used.indexOf(el.name) < 0;
      el.required = !el.hidden && el.getAttribute("data-required-for") === action;
    });
  }
  function initBulkForms(root) {
    (root || document).querySelectorAll("select[data-bulk-action]").forEach(syncBulkFields);
  }
  document.addEventListener("change", function (event) {
    if (event.target.matches("select[data-bulk-action]")) syncBulkFields(event.target);
  });

  // GET requests (filters, sorting, pages) carry no empty parameters: the address the list
  // pushes into the history then names only the filters that filter.
  function dropEmpty(data) {
    Array.from(new Set(data.keys())).forEach(function (key) {
      var filled = data.getAll(key).filter(function (value) { return value !== ""; });
      data.delete(key);
      filled.forEach(function (value) { data.append(key, value); });
    });
  }
  document.addEventListener("htmx:configRequest", function (event) {
    if (event.detail.verb === "get" && event.detail.formData) dropEmpty(event.detail.formData);
  });
  // The same for plain GET forms (the board's filters, the header's search).
  document.addEventListener("formdata", function (event) {
    if (event.target.method === "get") dropEmpty(event.formData);
  }, true);

  // Buttons that fold a part of the page in and out on a phone (the top bar's menu, the
  // filters): the part named by aria-controls gets the class "open".
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-toggle]");
    var target = button && document.getElementById(button.getAttribute("aria-controls"));
    if (!target) return;
    var open = !target.classList.contains("open");
    target.classList.toggle("open", open);
    button.setAttribute("aria-expanded", String(open));
  });

  // Row menus (<details>): one open at a time, closed by a click elsewhere or Escape.
  function closeMenus(except) {
    document.querySelectorAll("details.row-menu[open]").forEach(function (menu) { if (menu !== except) menu.open = false; });
  }
  document.addEventListener("click", function (event) { closeMenus(event.target.closest("details.row-menu")); });
  document.addEventListener("keydown", function (event) { if (event.key === "Escape") closeMenus(null); });

  // Kanban boards: drag a card to another column to change its status (or stage). The
  // leads board answers JSON: the card and the headers (counts, totals) of both columns.
  function initBoards(root) {
    (root || document).querySelectorAll("[data-board]").forEach(function (board) {
      if (board.dataset.ready) return;
      board.dataset.ready = "1";
      var moveUrl = board.getAttribute("data-move-url");
      var lost = initLostDialog(board);
      board.querySelectorAll("[data-column], [data-lost-zone]").forEach(function (column) {
        window.Sortable.create(column, {
          group: "board", animation: 120, draggable: "[data-card]",
          // On a touch screen a card moves after a short press, so a thumb can still scroll.
          delay: 250, delayOnTouchOnly: true,
          onEnd: function (evt) {
            var card = evt.item;
            var putBack = function () { evt.from.insertBefore(card, evt.from.children[evt.oldIndex] || null); };
            // The Lost zone, or a column of a lost status: ask why first.
            if (evt.to.hasAttribute("data-lost-zone") || (evt.to.dataset.kind === "lost" && evt.to !== evt.from)) {
              lost.ask(card, putBack, evt.to.getAttribute("data-column") || "");
              return;
            }
            var target = evt.to.getAttribute("data-column");
            var order = Array.prototype.map.call(evt.to.querySelectorAll("[data-card]"), function (c) { return c.getAttribute("data-card"); });
            post(moveUrl, { id: card.getAttribute("data-card"), column: target, order: order.join(",") })
              .then(function (response) {
                if (response.headers.get("HX-Redirect")) { window.location = response.headers.get("HX-Redirect"); return; }
                if (!response.ok) {
                  return response.text().then(function (text) {
                    putBack();
                    showMessage(text || document.body.dataset.msgMoveFailed || "The move was not saved.");
                  });
                }
                return applyMove(board, card, response);
              });
          },
        });
      });
    });
  }

  function applyMove(board, card, response) {
    if ((response.headers.get("Content-Type") || "").indexOf("application/json") < 0) {
      return response.text().then(function (html) { if (html) card.outerHTML = html; });
    }
    return response.json().then(function (data) {
      Object.keys(data.heads || {}).forEach(function (id) {
        var head = board.querySelector('[data-column-head="' + id + '"]');
        if (head) head.innerHTML = data.heads[id];
      });
      var home = board.querySelector('[data-column="' + data.column + '"]');
      if (!data.card) { card.remove(); return; }
      if (home && !home.contains(card)) home.prepend(card);
      card.outerHTML = data.card;
    });
  }

  // The Lost zone: ask why (a reason of Settings), then move; Cancel puts the card back.
  function initLostDialog(board) {
    var dialog = document.getElementById("lost-dialog");
    var pending = null;
    if (!dialog) return { ask: function (card, putBack) { putBack(); } };
    var form = dialog.querySelector("[data-lost-form]");
    var error = dialog.querySelector("[data-lost-error]");
    function finish(saved) {
      if (pending && !saved) pending.putBack();
      pending = null;
      if (dialog.open) dialog.close();
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!pending) return;
      var current = pending;
      post(form.getAttribute("action"), new FormData(form)).then(function (response) {
        if (!response.ok) {
          return response.text().then(function (text) { error.textContent = text; error.hidden = false; });
        }
        return applyMove(board, current.card, response).then(function () { finish(true); });
      });
    });
    dialog.querySelector("[data-lost-cancel]").addEventListener("click", function () { finish(false); });
    dialog.addEventListener("cancel", function () { finish(false); });
    return {
      ask: function (card, putBack, column) {
        pending = { card: card, putBack: putBack };
        form.elements.id.value = card.getAttribute("data-card");
        form.elements.column.value = column;
        form.elements.lost_reason_id.value = "";
        error.hidden = true;
        dialog.showModal();
        form.elements.lost_reason_id.focus();
      },
    };
  }

  function showMessage(text) {
    var list = document.querySelector("ul.messages");
    if (!list) {
      list = document.createElement("ul");
      list.className = "messages";
      document.querySelector("main").prepend(list);
    }
    var item = document.createElement("li");
    item.className = "error";
    item.textContent = text;
    list.appendChild(item);
  }

  // Lists ordered by drag and drop (Settings: lead statuses): POST the new order of ids.
  function initSortableLists(root) {
    (root || document).querySelectorAll("[data-sortable-list]").forEach(function (list) {
      if (list.dataset.ready) return;
      list.dataset.ready = "1";
      window.Sortable.create(list, {
        handle: ".drag-handle", animation: 120,
        onEnd: function () {
          var ids = Array.prototype.map.call(list.querySelectorAll("[data-id]"), function (row) { return row.getAttribute("data-id"); });
          post(list.getAttribute("data-reorder-url"), { action: list.getAttribute("data-reorder-action"), ids: ids.join(",") })
            .then(function (response) { if (!response.ok) showMessage(document.body.dataset.msgOrderFailed || "The order was not saved."); });
        },
      });
    });
  }

  // Export links carry the list's filters: the filters change the address through htmx
  // without reloading the page, so the links are made again from the address each time.
  function refreshExportLinks() {
    // Without empty values: a filter form sends every field, and the API reads `status_id=`
    // as a number that is not one.
    var params = new URLSearchParams(window.location.search), filled = new URLSearchParams();
    params.forEach(function (value, key) { if (value !== "") filled.append(key, value); });
    var query = filled.toString();
    document.querySelectorAll("a[data-export]").forEach(function (link) {
      link.href = link.getAttribute("data-export") + (query ? "&" + query : "");
    });
  }
  ["htmx:pushedIntoHistory", "htmx:replacedInHistory", "htmx:historyRestore", "popstate"].forEach(function (name) {
    (name === "popstate" ? window : document).addEventListener(name, refreshExportLinks);
  });

  // A filter whose choices depend on another (a stage on its pipeline): only the chosen
  // one's group is offered, and a choice outside it is cleared. Captured, so the list's own
  // change handler (htmx) already sends the cleared value.
  document.addEventListener("change", function (event) {
    var form = event.target.form;
    if (!form || !event.target.name) return;
    form.querySelectorAll("select[data-depends-on='" + event.target.name + "']").forEach(function (select) {
      var chosen = event.target.value;
      select.querySelectorAll("optgroup[data-group]").forEach(function (group) {
        var off = chosen !== "" && group.getAttribute("data-group") !== chosen;
        group.hidden = off;
        group.disabled = off;
      });
      var option = select.selectedOptions[0];
      if (option && option.parentElement.disabled) select.value = "";
    });
  }, true);

  // A record form's duplicate warning marks the fields whose values matched an existing record.
  function markMatchedFields(panel) {
    var form = panel.closest("form");
    if (!form) return;
    var matched = (panel.querySelector("[data-matched]") || panel).getAttribute("data-matched") || "";
    var names = matched.split(" ").filter(Boolean);
    form.querySelectorAll(".field.matched").forEach(function (field) { field.classList.remove("matched"); });
    names.forEach(function (name) {
      var input = form.querySelector("[name='" + name + "']");
      if (input && input.value.trim() !== "") input.closest(".field").classList.add("matched");
    });
  }
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.target.id === "duplicate-check") markMatchedFields(event.target);
  });

  document.addEventListener("DOMContentLoaded", function () { initBoards(document); initSortableLists(document); initBulkForms(document); refreshExportLinks(); });
  document.addEventListener("htmx:afterSwap", function (event) { initBoards(event.target); initBulkForms(event.target); });
})();
