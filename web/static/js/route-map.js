// Zoom and pan for the offline route map: changes the viewBox of the map part (svg.route-map__area).
// Buttons, + / - / 0 and the arrow keys on the focused map, Ctrl + wheel, and dragging when zoomed in.
// Markers and labels are scaled by 1/zoom so they keep their size on screen; the scale bar is redrawn.
(function () {
  "use strict";
  var MAX_ZOOM = 16;

  function niceLength(maxMetres) {
    var exponent = Math.pow(10, Math.floor(Math.log10(Math.max(maxMetres, 1))));
    var factors = [5, 2, 1];
    for (var i = 0; i < factors.length; i += 1) {
      if (factors[i] * exponent <= maxMetres) { return factors[i] * exponent; }
    }
    return exponent;
  }

  function setUp(section) {
    var wrap = section.querySelector(".route-map-wrap");
    var area = wrap && wrap.querySelector("svg.route-map__area");
    if (!area) { return; }
    var full = area.getAttribute("viewBox").split(/\s+/).map(Number);
    var box = full.slice();
    var markers = Array.prototype.slice.call(area.querySelectorAll(".route-map__marker"));
    var scale = wrap.querySelector(".route-map__scale");

    function redrawScale(zoom) {
      if (!scale) { return; }
      var metresPerPx = Number(scale.getAttribute("data-metres-per-px")) / zoom;
      var metres = niceLength(metresPerPx * Number(scale.getAttribute("data-max-px")));
      var end = 16 + metres / metresPerPx;
      scale.querySelector(".route-map__scale-bar").setAttribute("x2", end.toFixed(1));
      var tick = scale.querySelector(".route-map__scale-end");
      tick.setAttribute("x1", end.toFixed(1));
      tick.setAttribute("x2", end.toFixed(1));
      var label = scale.querySelector(".route-map__scale-label");
      label.setAttribute("x", (end + 8).toFixed(1));
      label.textContent = metres >= 1000 ? (metres / 1000) + " km" : metres + " m";
    }

    function show(next) {
      var width = Math.min(full[2], Math.max(full[2] / MAX_ZOOM, next[2]));
      var height = width * full[3] / full[2];
      var cx = next[0] + next[2] / 2, cy = next[1] + next[3] / 2;
      // keep the centre within the first view, so the rounds can never be lost
      cx = Math.min(full[0] + full[2], Math.max(full[0], cx));
      cy = Math.min(full[1] + full[3], Math.max(full[1], cy));
      box = [cx - width / 2, cy - height / 2, width, height];
      area.setAttribute("viewBox", box.map(function (v) { return v.toFixed(2); }).join(" "));
      var zoom = full[2] / width;
      markers.forEach(function (marker) {
        marker.setAttribute("transform", "translate(" + marker.getAttribute("data-x") + " " +
                            marker.getAttribute("data-y") + ") scale(" + (1 / zoom).toFixed(4) + ")");
      });
      redrawScale(zoom);
      wrap.classList.toggle("is-zoomed", width < full[2]);
    }

    function zoomBy(factor, cx, cy) {
      if (cx === undefined) { cx = box[0] + box[2] / 2; cy = box[1] + box[3] / 2; }
      show([cx - (cx - box[0]) / factor, cy - (cy - box[1]) / factor, box[2] / factor, box[3] / factor]);
    }

    function pan(dx, dy) { show([box[0] + dx, box[1] + dy, box[2], box[3]]); }

    function toMap(event) {
      var rect = area.getBoundingClientRect();
      return [box[0] + (event.clientX - rect.left) * box[2] / rect.width,
              box[1] + (event.clientY - rect.top) * box[3] / rect.height];
    }

    section.querySelectorAll("[data-map-zoom]").forEach(function (button) {
      button.addEventListener("click", function () {
        var what = button.getAttribute("data-map-zoom");
        if (what === "in") { zoomBy(2); } else if (what === "out") { zoomBy(0.5); } else { show(full.slice()); }
      });
    });
    wrap.addEventListener("keydown", function (event) {
      var step = box[2] / 8;
      var keys = {"+": function () { zoomBy(2); }, "=": function () { zoomBy(2); }, "-": function () { zoomBy(0.5); },
                  "0": function () { show(full.slice()); }, ArrowLeft: function () { pan(-step, 0); },
                  ArrowRight: function () { pan(step, 0); }, ArrowUp: function () { pan(0, -step); },
                  ArrowDown: function () { pan(0, step); }};
      if (keys[event.key]) { event.preventDefault(); keys[event.key](); }
    });
    wrap.addEventListener("wheel", function (event) {
      if (!event.ctrlKey) { return; }
      event.preventDefault();
      var at = toMap(event);
      zoomBy(event.deltaY < 0 ? 1.5 : 1 / 1.5, at[0], at[1]);
    }, {passive: false});
    var dragFrom = null;
    area.addEventListener("pointerdown", function (event) {
      if (box[2] >= full[2]) { return; }
      dragFrom = [event.clientX, event.clientY];
      area.setPointerCapture(event.pointerId);
    });
    area.addEventListener("pointermove", function (event) {
      if (!dragFrom) { return; }
      var rect = area.getBoundingClientRect();
      pan(-(event.clientX - dragFrom[0]) * box[2] / rect.width, -(event.clientY - dragFrom[1]) * box[3] / rect.height);
      dragFrom = [event.clientX, event.clientY];
    });
    ["pointerup", "pointercancel"].forEach(function (name) {
      area.addEventListener(name, function () { dragFrom = null; });
    });
  }

  document.querySelectorAll(".route-map-wrap").forEach(function (wrap) { setUp(wrap.closest("section")); });
})();
