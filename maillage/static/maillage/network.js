// Cooperation network: a small hand-written force layout drawn as SVG (no library, no CDN).
// Data: {nodes: [{id, name, kind, kind_label, degree, url}], links: [{source, target, agreements, cooperations}]}.
(function () {
  "use strict";
  var element = document.getElementById("network");
  if (!element || !window.fetch) { return; }
  var SVG = "http://www.w3.org/2000/svg";
  var WIDTH = 960, HEIGHT = 680, ITERATIONS = 300, LABELS = 18;
  var COLORS = {
    metropole: "#0b5563", ept: "#4e79a7", commune: "#76b7b2", syndicate: "#f28e2b",
    department: "#59a14f", region: "#8cd17d", state: "#9c755f", association: "#e15759",
    company: "#b07aa1", research: "#edc948", european: "#ff9da7", internal: "#bab0ac"
  };

  function make(name, attributes, parent) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attributes).forEach(function (key) { node.setAttribute(key, attributes[key]); });
    if (parent) { parent.appendChild(node); }
    return node;
  }

  function radius(node) { return Math.min(16, 4 + 2 * Math.sqrt(node.degree)); }

  // Fruchterman–Reingold, started from a circle ordered by degree: the same data gives the same drawing.
  function layout(nodes, links) {
    var count = nodes.length, area = WIDTH * HEIGHT;
    var k = Math.sqrt(area / Math.max(count, 1)) * 0.75;
    nodes.forEach(function (node, index) {
      var angle = (2 * Math.PI * index) / count;
      var ring = 0.25 + 0.2 * (index % 3);
      node.x = WIDTH / 2 + Math.cos(angle) * WIDTH * ring;
      node.y = HEIGHT / 2 + Math.sin(angle) * HEIGHT * ring;
    });
    var temperature = WIDTH / 8;
    for (var step = 0; step < ITERATIONS; step += 1) {
      nodes.forEach(function (node) { node.dx = 0; node.dy = 0; });
      for (var i = 0; i < count; i += 1) {
        for (var j = i + 1; j < count; j += 1) {
          var a = nodes[i], b = nodes[j];
          var dx = a.x - b.x, dy = a.y - b.y;
          var distance = Math.max(Math.sqrt(dx * dx + dy * dy), 0.01);
          var force = (k * k) / distance;
          a.dx += (dx / distance) * force; a.dy += (dy / distance) * force;
          b.dx -= (dx / distance) * force; b.dy -= (dy / distance) * force;
        }
      }
      links.forEach(function (link) {
        var a = link.sourceNode, b = link.targetNode;
        var dx = a.x - b.x, dy = a.y - b.y;
        var distance = Math.max(Math.sqrt(dx * dx + dy * dy), 0.01);
        var force = ((distance * distance) / k) * Math.min(1 + Math.log(link.weight), 3) / 3;
        a.dx -= (dx / distance) * force; a.dy -= (dy / distance) * force;
        b.dx += (dx / distance) * force; b.dy += (dy / distance) * force;
      });
      nodes.forEach(function (node) {
        // A weak pull to the centre keeps separate groups on the canvas.
        node.dx += (WIDTH / 2 - node.x) * 0.02 * k / 10;
        node.dy += (HEIGHT / 2 - node.y) * 0.02 * k / 10;
        var length = Math.max(Math.sqrt(node.dx * node.dx + node.dy * node.dy), 0.01);
        node.x += (node.dx / length) * Math.min(length, temperature);
        node.y += (node.dy / length) * Math.min(length, temperature);
        var margin = radius(node) + 4;
        node.x = Math.min(WIDTH - margin, Math.max(margin, node.x));
        node.y = Math.min(HEIGHT - margin, Math.max(margin, node.y));
      });
      temperature *= 0.985;
    }
  }

  function draw(data) {
    var byId = {};
    data.nodes.forEach(function (node) { node.neighbours = {}; byId[node.id] = node; });
    var links = data.links.filter(function (link) { return byId[link.source] && byId[link.target]; });
    links.forEach(function (link) {
      link.sourceNode = byId[link.source];
      link.targetNode = byId[link.target];
      link.weight = link.agreements + link.cooperations;
      link.sourceNode.neighbours[link.target] = true;
      link.targetNode.neighbours[link.source] = true;
    });
    layout(data.nodes, links);

    var svg = make("svg", { viewBox: "0 0 " + WIDTH + " " + HEIGHT, focusable: "false" });
    var edgeLayer = make("g", { "aria-hidden": "true" }, svg);
    var nodeLayer = make("g", {}, svg);
    links.forEach(function (link) {
      link.element = make("line", {
        "class": "link",
        x1: link.sourceNode.x.toFixed(1), y1: link.sourceNode.y.toFixed(1),
        x2: link.targetNode.x.toFixed(1), y2: link.targetNode.y.toFixed(1),
        "stroke-width": Math.min(1 + Math.log(link.weight) * 1.5, 6).toFixed(2)
      }, edgeLayer);
    });
    var partners = element.dataset.partners || "partners";
    data.nodes.forEach(function (node, index) {
      var anchor = make("a", {
        "class": "node", href: node.url,
        "aria-label": node.name + " (" + node.kind_label + ", " + node.degree + " " + partners + ")"
      }, nodeLayer);
      anchor.setAttributeNS("http://www.w3.org/1999/xlink", "xlink:href", node.url);
      make("circle", {
        cx: node.x.toFixed(1), cy: node.y.toFixed(1), r: radius(node).toFixed(1),
        fill: COLORS[node.kind] || "#bab0ac"
      }, anchor);
      var title = make("title", {}, anchor);
      title.textContent = node.name + " – " + node.kind_label + " – " + node.degree + " " + partners;
      if (index < LABELS) {
        var label = make("text", { x: (node.x + radius(node) + 3).toFixed(1), y: (node.y + 4).toFixed(1) }, anchor);
        // Full name: a shortened label would no longer match the link's accessible name (WCAG 2.5.3).
        label.textContent = node.name;
      }
      node.element = anchor;
      function focus() {
        element.classList.add("focused");
        node.element.classList.add("near");
        Object.keys(node.neighbours).forEach(function (id) { byId[id].element.classList.add("near"); });
        links.forEach(function (link) {
          if (link.sourceNode === node || link.targetNode === node) { link.element.classList.add("near"); }
        });
      }
      function blur() {
        element.classList.remove("focused");
        svg.querySelectorAll(".near").forEach(function (item) { item.classList.remove("near"); });
      }
      anchor.addEventListener("mouseenter", focus);
      anchor.addEventListener("focus", focus);
      anchor.addEventListener("mouseleave", blur);
      anchor.addEventListener("blur", blur);
    });
    element.appendChild(svg);

    var legend = document.getElementById("network-legend");
    if (legend) {
      var seen = {};
      data.nodes.forEach(function (node) {
        if (seen[node.kind]) { return; }
        seen[node.kind] = true;
        var item = document.createElement("li");
        var swatch = document.createElement("span");
        swatch.setAttribute("aria-hidden", "true");
        swatch.style.background = COLORS[node.kind] || "#bab0ac";
        item.appendChild(swatch);
        item.appendChild(document.createTextNode(node.kind_label));
        legend.appendChild(item);
      });
    }
    element.dataset.loaded = String(data.nodes.length);
  }

  fetch(element.dataset.source, { headers: { Accept: "application/json" }, credentials: "same-origin" })
    .then(function (response) { return response.json(); })
    .then(function (data) {
      if (!data.nodes || !data.nodes.length) {
        element.textContent = element.dataset.empty;
        element.classList.add("notice");
        element.dataset.loaded = "0";
        return;
      }
      draw(data);
    });
})();
