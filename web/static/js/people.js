// People forms: show the latitude/longitude fields only when "Place by latitude and longitude" is ticked.
// Without JavaScript every field stays visible and the form works the same.
(function () {
  "use strict";
  var box = document.getElementById("place_by_hand");
  var fieldset = document.querySelector("[data-manual-location]");
  if (!box || !fieldset) { return; }
  var fields = fieldset.querySelectorAll(".field:not(.field--check)");
  function update() {
    var hasError = fieldset.querySelector(".field--error") !== null;
    for (var i = 0; i < fields.length; i++) {
      fields[i].hidden = !box.checked && !hasError;
    }
  }
  box.addEventListener("change", update);
  update();
}());

// Long lists of names (partner preferences): a filter box above each list, ticked names always shown.
(function () {
  "use strict";
  var lists = document.querySelectorAll("[data-choice-list]");
  Array.prototype.forEach.call(lists, function (list, index) {
    var labels = list.querySelectorAll("label");
    if (labels.length < 12) { return; }
    var id = "choice-filter-" + index;
    var wrapper = document.createElement("div");
    wrapper.className = "field choice-filter";
    var label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = "Find a name in this list";
    var input = document.createElement("input");
    input.type = "search";
    input.id = id;
    input.className = "input input--inline";
    input.autocomplete = "off";
    wrapper.appendChild(label);
    wrapper.appendChild(input);
    list.parentNode.insertBefore(wrapper, list);
    input.addEventListener("input", function () {
      var text = input.value.trim().toLowerCase();
      Array.prototype.forEach.call(labels, function (item) {
        var box = item.querySelector("input");
        item.hidden = text !== "" && !(box && box.checked) && item.textContent.toLowerCase().indexOf(text) === -1;
      });
    });
  });
}());
