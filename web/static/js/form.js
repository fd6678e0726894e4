// Progressive enhancement for task forms: add and remove table rows, and keep a draft. Without
// JavaScript the form still works with the rows the server rendered (at least one), and "Simpan
// draf" still saves a draft.
(function () {
  "use strict";

  // -- drafts ------------------------------------------------------------------------------------
  // The form is saved as the user's draft a moment after they stop typing and when the page is left,
  // so a request the server refuses unread (too large) comes back from the draft. Files are not sent
  // by these saves ("Simpan draf" and the submission itself upload them).
  var form = document.querySelector("form.task-form[data-draft-url]");
  var status = document.getElementById("draft-status");
  var DELAY_MS = 1500;
  var timer = null;
  var dirty = false;
  var saving = null;

  function show(text) {
    if (status) { status.textContent = text; }
  }

  function fieldsOnly() {
    var data = new FormData(form);
    var files = [];
    data.forEach(function (value, key) { if (typeof File !== "undefined" && value instanceof File) { files.push(key); } });
    files.forEach(function (key) { data.delete(key); });
    return data;
  }

  function failed(message) {
    dirty = true;
    show(form.dataset.textFailed + " " + message);
  }

  function saveDraft(keepalive) {
    clearTimeout(timer);
    timer = null;
    if (saving) { return saving.then(function () { return saveDraft(keepalive); }); }  // in order
    if (!dirty) { return Promise.resolve(); }
    dirty = false;
    show(form.dataset.textSaving);
    saving = fetch(form.dataset.draftUrl, {
      method: "POST", body: fieldsOnly(), credentials: "same-origin", keepalive: Boolean(keepalive),
      headers: {"Accept": "application/json"}
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (response.ok) {
          show(form.dataset.textSaved + " " + body.saved_at_text);
        } else {
          failed((body.error && body.error.message) || String(response.status));
        }
      });
    }).catch(function () {
      failed("\u2014");
    }).then(function () {
      saving = null;
    });
    return saving;
  }

  function draftChanged() {
    if (!form) { return; }
    dirty = true;
    clearTimeout(timer);
    timer = setTimeout(saveDraft, DELAY_MS);
  }

  if (form) {
    form.addEventListener("input", function (event) {
      if (event.target.type !== "file") { draftChanged(); }
    });
    form.addEventListener("change", function (event) {
      if (event.target.type !== "file") { draftChanged(); }
    });
    form.addEventListener("submit", function () {
      // The submission carries the values itself, and the server keeps a refused one as a draft
      // ("Simpan draf" is a save): no save of its own, which could land after a completion.
      clearTimeout(timer);
      dirty = false;
    });
    window.addEventListener("pagehide", function () {
      if (dirty) { saveDraft(true); }
    });
    var discard = document.getElementById("draft-discard");
    if (discard) {
      discard.addEventListener("submit", function (event) {
        clearTimeout(timer);
        dirty = false;
        if (saving) {  // let a save in flight land first, so it cannot bring the draft back
          event.preventDefault();
          saving.then(function () { discard.submit(); });
        }
      });
    }
  }

  // -- files over the size limit ------------------------------------------------------------------
  // A file over the limit never leaves the page: the input is cleared and says why, everything typed
  // stays (the server would refuse the whole request unread, and could not give it back).
  function tooLarge(input) {
    var max = parseInt(input.dataset.maxBytes || "0", 10);
    var file = input.files && input.files[0];
    var note = document.getElementById(input.id + "-size");
    var over = Boolean(max && file && file.size > max);
    if (over) { input.value = ""; }
    if (note) {
      note.hidden = !over;
      note.textContent = over ? input.dataset.tooLarge : "";
    }
    if (over) { input.setAttribute("aria-invalid", "true"); } else { input.removeAttribute("aria-invalid"); }
    return over;
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("input[type=file][data-max-bytes]")) { tooLarge(event.target); }
  });
  document.querySelectorAll("form.task-form").forEach(function (taskForm) {
    taskForm.addEventListener("submit", function (event) {
      var refused = Array.prototype.filter.call(taskForm.querySelectorAll("input[type=file][data-max-bytes]"), tooLarge);
      if (refused.length) {
        event.preventDefault();
        refused[0].focus();
      }
    });
  });

  // -- the error summary: each link moves the focus to its field (a table cell scrolls into view) ------
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest(".error-links a");
    var target = link && document.getElementById(link.getAttribute("href").slice(1));
    if (!target) { return; }
    event.preventDefault();
    target.scrollIntoView({ block: "center", inline: "center" });
    target.focus();
  });

  // -- table rows --------------------------------------------------------------------------------

  function renumber(tbody) {
    tbody.querySelectorAll("tr").forEach(function (row, index) {
      var button = row.querySelector(".row-remove");
      if (button) {
        button.hidden = false;
        button.setAttribute("aria-label", button.getAttribute("aria-label").replace(/\d*$/, String(index + 1)));
      }
    });
  }

  function addRow(key) {
    var table = document.getElementById("table-" + key);
    var template = document.getElementById("template-" + key);
    if (!table || !template) { return; }
    var index = parseInt(table.dataset.nextIndex || "0", 10);
    table.dataset.nextIndex = String(index + 1);
    var html = template.innerHTML.replace(/__i__/g, String(index));
    var tbody = table.tBodies[0];
    tbody.insertAdjacentHTML("beforeend", html);
    renumber(tbody);
    var first = tbody.lastElementChild.querySelector("input, select, textarea");
    if (first) { first.focus(); }
  }

  document.addEventListener("click", function (event) {
    var add = event.target.closest(".row-add");
    if (add) { addRow(add.dataset.table); return; }
    var remove = event.target.closest(".row-remove");
    if (remove) {
      var tbody = remove.closest("tbody");
      remove.closest("tr").remove();
      renumber(tbody);
      draftChanged();
    }
  });

  document.querySelectorAll(".row-add").forEach(function (button) { button.hidden = false; });
  document.querySelectorAll(".grid-input tbody").forEach(renumber);

  var errors = document.getElementById("form-errors") || document.getElementById("form-notice");
  if (errors) {
    var firstInvalid = document.querySelector("[aria-invalid='true']");
    (firstInvalid || errors).focus();
  }
})();
