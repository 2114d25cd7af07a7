/* Fast order entry: Enter moves to the next line (adding one at the end), usual items fill a line,
   "Add more lines" adds rows without a round trip, and a second click on Save sends nothing more.
   Without this file the form still works: 15 blank lines, an "Add more lines" button, usual items as buttons. */
(function () {
  "use strict";
  // Print buttons (picking lists) are hidden until this script can make them work.
  document.querySelectorAll(".js-print").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });

  var form = document.getElementById("order-form");
  var body = document.getElementById("order-lines");
  if (!form || !body) { return; }

  function rows() { return body.querySelectorAll("tr.order-line"); }

  function itemInput(row) { return row.querySelector(".input--item"); }

  function rowIsBlank(row) {
    var item = itemInput(row);
    var notes = row.querySelector(".input--notes");
    return item.value.trim() === "" && (!notes || notes.value.trim() === "");
  }

  function nextIndex() {
    var max = -1;
    body.querySelectorAll("input[name^='lines-']").forEach(function (input) {
      var match = /^lines-(\d+)-/.exec(input.name);
      if (match) { max = Math.max(max, parseInt(match[1], 10)); }
    });
    return max + 1;
  }

  function addRow() {
    var all = rows();
    var template = all[all.length - 1];
    var index = nextIndex();
    var row = template.cloneNode(true);
    row.classList.remove("order-line--error");
    row.querySelectorAll(".error").forEach(function (node) { node.remove(); });
    row.querySelectorAll("input").forEach(function (input) {
      input.name = input.name.replace(/^lines-\d+-/, "lines-" + index + "-");
      input.id = input.id.replace(/^lines-\d+-/, "lines-" + index + "-");
      input.removeAttribute("aria-invalid");
      if (input.type === "checkbox") { input.checked = true; }
      else if (input.classList.contains("input--quantity")) { input.value = "1"; }
      else { input.value = ""; }
    });
    var number = all.length + 1;
    row.querySelectorAll("label").forEach(function (label) {
      var target = label.getAttribute("for");
      if (target) { label.setAttribute("for", target.replace(/^lines-\d+-/, "lines-" + index + "-")); }
      var hidden = label.querySelector(".visually-hidden");
      var node = hidden || label;
      node.textContent = node.textContent.replace(/line \d+$/, "line " + number);
    });
    row.querySelector(".line-number").textContent = String(number);
    body.appendChild(row);
    return row;
  }

  function firstBlankRow() {
    var all = rows();
    for (var i = 0; i < all.length; i += 1) {
      if (rowIsBlank(all[i])) { return all[i]; }
    }
    return addRow();
  }

  // Enter in a line's field goes to the next line's item (a new line at the end) instead of saving.
  body.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.target.tagName !== "INPUT" || event.target.type === "checkbox") { return; }
    if (event.ctrlKey || event.metaKey) { return; }  // Ctrl+Enter saves the order
    event.preventDefault();
    var row = event.target.closest("tr.order-line");
    var next = row.nextElementSibling || addRow();
    itemInput(next).focus();
  });

  var more = document.getElementById("more-lines");
  if (more) {
    more.addEventListener("click", function (event) {
      event.preventDefault();
      var first = null;
      for (var i = 0; i < 5; i += 1) { var row = addRow(); first = first || row; }
      itemInput(first).focus();
    });
  }

  document.querySelectorAll(".usual-item").forEach(function (button) {
    button.addEventListener("click", function (event) {
      event.preventDefault();
      var row = firstBlankRow();
      itemInput(row).value = button.getAttribute("data-item");
      button.classList.add("usual-item--added");
      var quantity = row.querySelector(".input--quantity");
      quantity.focus();
      quantity.select();
    });
  });

  // Ctrl+Enter (Cmd+Enter on a Mac) saves the order from any field, as the Save button says.
  var save = document.getElementById("save-order");
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey) || !save) { return; }
    event.preventDefault();
    form.requestSubmit(save);
  });

  // A double click on Save sends the form once (the server would keep one order anyway).
  var sent = false;
  form.addEventListener("submit", function (event) {
    var submitter = event.submitter;
    if (submitter && submitter.id !== "save-order") { return; }
    if (sent) { event.preventDefault(); return; }
    sent = true;
  });

  var first = rows()[0];
  if (first && !document.querySelector(".order-line--error")) {
    var target = firstBlankRow();
    itemInput(target).focus();
  }
}());
