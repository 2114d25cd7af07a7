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
