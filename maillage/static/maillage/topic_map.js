// Map of a common topic: the home communes, those of the proposer and of the interested
// organisations highlighted. Vendored Leaflet, the shipped outlines, no tile server.
// The page lists the same communes as text, for keyboard and screen-reader users.
(function () {
  "use strict";
  var element = document.getElementById("map");
  if (!element || typeof L === "undefined") { return; }
  var map = L.map(element, { zoomSnap: 0.25, attributionControl: true });
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution("IGN – ADMIN EXPRESS COG 2018, INSEE – COG 2026");
  fetch(element.dataset.source, { headers: { Accept: "application/json" }, credentials: "same-origin" })
    .then(function (response) { return response.json(); })
    .then(function (data) {
      if (!data.features.length) {
        element.textContent = element.dataset.empty;
        element.classList.add("notice");
        return;
      }
      var highlighted = [];
      var layer = L.geoJSON(data, {
        style: function (feature) {
          var active = feature.properties.state !== "other";
          return {
            color: active ? "#1b1f23" : "#8a8a8a",
            weight: active ? 1.5 : 0.5,
            fillColor: feature.properties.color,
            fillOpacity: active ? 0.85 : 0.4,
          };
        },
        onEachFeature: function (feature, featureLayer) {
          var p = feature.properties;
          var label = p.name + (p.organizations.length ? " – " + p.organizations.join(", ") : "");
          featureLayer.bindTooltip(label, { sticky: true });
          featureLayer.on("click", function () { window.location.href = p.url; });
          if (p.state === "other") { return; }
          highlighted.push(featureLayer);
          featureLayer.on("add", function () {
            var path = featureLayer.getElement && featureLayer.getElement();
            if (path) {
              path.setAttribute("role", "link");
              path.setAttribute("aria-label", label);
              path.setAttribute("tabindex", "0");
              path.addEventListener("keydown", function (event) {
                if (event.key === "Enter" || event.key === " ") { window.location.href = p.url; }
              });
            }
          });
        },
      }).addTo(map);
      highlighted.forEach(function (featureLayer) { featureLayer.bringToFront(); });
      map.fitBounds(layer.getBounds());
      element.dataset.loaded = String(data.features.length);
      element.dataset.highlighted = String(highlighted.length);
    });
})();
