// Map of the home territory: vendored Leaflet, the shipped outlines, no tile server.
(function () {
  "use strict";
  var element = document.getElementById("map");
  if (!element || typeof L === "undefined") { return; }
  var map = L.map(element, { zoomSnap: 0.25, attributionControl: true });
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution("IGN – ADMIN EXPRESS COG 2018, INSEE – COG 2026");
  fetch(element.dataset.source, { headers: { Accept: "application/json" } })
    .then(function (response) { return response.json(); })
    .then(function (data) {
      if (!data.features.length) {
        element.textContent = element.dataset.empty;
        element.classList.add("notice");
        return;
      }
      var layer = L.geoJSON(data, {
        style: function (feature) {
          return { color: "#1b1f23", weight: 1, fillColor: feature.properties.color, fillOpacity: 0.75 };
        },
        onEachFeature: function (feature, featureLayer) {
          var p = feature.properties;
          featureLayer.bindTooltip(p.name + (p.territory ? " – " + p.territory : ""), { sticky: true });
          featureLayer.on("click", function () { window.location.href = p.url; });
          featureLayer.on("add", function () {
            var path = featureLayer.getElement && featureLayer.getElement();
            if (path) {
              path.setAttribute("role", "link");
              path.setAttribute("aria-label", p.name);
              path.setAttribute("tabindex", "0");
              path.addEventListener("keydown", function (event) {
                if (event.key === "Enter" || event.key === " ") { window.location.href = p.url; }
              });
            }
          });
        },
      }).addTo(map);
      map.fitBounds(layer.getBounds());
      element.dataset.loaded = String(data.features.length);
    });
})();
