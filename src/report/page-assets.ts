/**
 * @module The report page's inline stylesheet and hover script. Both are inlined so the file
 * opens offline, from an email attachment or a CI artifact, with nothing fetched.
 */

/** PAGE_CSS styles the page and the SVG charts (chart text classes live here, not per element). */
export const PAGE_CSS = `
:root { --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --bg-soft: #f6f8fa; --best: #dafbe1; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--fg); background: #fff; }
main { max-width: 1360px; margin: 0 auto; padding: 24px 24px 48px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 36px 0 6px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
p.note { color: var(--muted); margin: 4px 0 12px; max-width: 980px; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 12px 0 0; }
dl.meta dt { color: var(--muted); }
dl.meta dd { margin: 0; overflow-wrap: anywhere; }
code { font: 12.5px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: var(--bg-soft); padding: 1px 5px; border-radius: 4px; }
.table-wrap { overflow-x: auto; }
table.summary { border-collapse: collapse; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.summary th, table.summary td { padding: 5px 9px; border-bottom: 1px solid var(--line); }
table.summary th { font-weight: 600; text-align: right; background: var(--bg-soft); cursor: help; vertical-align: bottom; }
table.summary th.left, table.summary td.left { text-align: left; }
table.summary td { text-align: right; }
table.summary td.best { background: var(--best); font-weight: 600; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 7px; vertical-align: baseline; }
.grid { display: grid; gap: 16px 24px; align-items: start; }
.grid.cols-3 { grid-template-columns: repeat(auto-fill, minmax(420px, 1fr)); }
.grid.cols-2 { grid-template-columns: repeat(auto-fill, minmax(560px, 1fr)); }
.grid.cols-1 { grid-template-columns: 1fr; }
svg.chart { display: block; max-width: 100%; height: auto; font-family: inherit; }
svg.chart .chart-title { font-size: 15px; font-weight: 600; fill: var(--fg); }
svg.chart .chart-subtitle { font-size: 12px; fill: var(--muted); }
svg.chart .legend-text { font-size: 12px; fill: var(--fg); }
svg.chart .tick { font-size: 11px; fill: var(--muted); font-variant-numeric: tabular-nums; }
svg.chart .axis-label { font-size: 12px; fill: var(--fg); }
svg.chart .grid { stroke: #e6e9ec; stroke-width: 1; }
svg.chart .grid.minor { stroke: #f3f4f6; }
svg.chart .frame, svg.chart .tickmark { stroke: #8c959f; fill: none; }
svg.chart .ref { stroke: #6e7781; stroke-width: 1; stroke-dasharray: 4 3; }
svg.chart .ref-label { font-size: 11px; fill: #57606a; }
svg.chart .empty { font-size: 13px; fill: var(--muted); font-style: italic; }
svg.chart .bar-value { font-size: 11px; fill: var(--fg); font-variant-numeric: tabular-nums; }
svg.chart .bar-label { font-size: 12px; fill: var(--fg); }
svg.chart .cursor { stroke: #8c959f; stroke-width: 1; }
#tip { position: fixed; pointer-events: none; background: rgba(255,255,255,0.97); border: 1px solid var(--line); border-radius: 6px; box-shadow: 0 2px 8px rgba(0,0,0,0.12); padding: 6px 9px; font-size: 12px; line-height: 1.5; z-index: 10; font-variant-numeric: tabular-nums; }
#tip .head { color: var(--muted); margin-bottom: 2px; }
footer { margin-top: 40px; color: var(--muted); font-size: 12px; border-top: 1px solid var(--line); padding-top: 8px; }
@media print { #tip { display: none; } h2 { break-after: avoid; } svg.chart { break-inside: avoid; } }
`

/**
 * PAGE_SCRIPT adds hover read-outs to line charts and heatmaps. It only reads what the SVG
 * already holds (pixel points with each point's formatted `data-v`; a heatmap's levels per row),
 * so the charts render fully without it.
 */
export const PAGE_SCRIPT = `
(function () {
  var tip = document.getElementById('tip');
  if (!tip) return;
  function parse(pl) {
    var px = (pl.getAttribute('points') || '').trim().split(/\\s+/);
    var vs = (pl.getAttribute('data-v') || '').split(';');
    return px.map(function (p, i) {
      var c = p.split(','); var v = (vs[i] || '').split('|');
      return { x: +c[0], y: +c[1], vx: v[0] || '', vy: v[1] || '' };
    });
  }
  function row(color, name, text) {
    var d = document.createElement('div');
    var s = document.createElement('span'); s.className = 'swatch'; s.style.background = color;
    d.appendChild(s); d.appendChild(document.createTextNode(name + ': ' + text));
    return d;
  }
  function place(e) {
    var x = e.clientX + 16, y = e.clientY + 16;
    if (x + tip.offsetWidth > window.innerWidth - 8) x = e.clientX - tip.offsetWidth - 16;
    if (y + tip.offsetHeight > window.innerHeight - 8) y = e.clientY - tip.offsetHeight - 16;
    tip.style.left = x + 'px'; tip.style.top = y + 'px';
  }
  function svgPoint(svg, e) {
    var r = svg.getBoundingClientRect(); var vb = svg.viewBox.baseVal;
    return { x: (e.clientX - r.left) * vb.width / r.width, y: (e.clientY - r.top) * vb.height / r.height };
  }
  var CODES = '0123456789abcdefghijklmnopqrstuvwxyz';
  Array.prototype.forEach.call(document.querySelectorAll('svg[data-hover="heatmap"]'), function (svg) {
    var d = svg.querySelector('.heat-data'); var area = svg.querySelector('.hover-area');
    if (!d || !area) return;
    var n = function (k) { return +d.getAttribute('data-' + k); };
    var rows = d.querySelectorAll('g');
    var cols = rows.length ? rows[0].getAttribute('data-l').length : 0;
    area.addEventListener('mouseleave', function () { tip.hidden = true; });
    area.addEventListener('mousemove', function (e) {
      var p = svgPoint(svg, e);
      var r = Math.floor((p.y - n('top')) / n('rowh'));
      var c = Math.floor((p.x - n('left')) / n('width') * cols);
      var row = rows[r];
      if (!row || c < 0 || c >= cols) { tip.hidden = true; return; }
      var ch = row.getAttribute('data-l').charAt(c);
      var v = ch === '.' ? 'no data' : Math.round(CODES.indexOf(ch) / n('levels') * 100) + '%';
      var t0 = n('t0') + Math.floor(c * n('per')) * n('step');
      var t1 = n('t0') + Math.floor((c + 1) * n('per')) * n('step');
      var unit = d.getAttribute('data-unit');
      tip.textContent = '';
      var h = document.createElement('div'); h.className = 'head';
      h.textContent = row.getAttribute('data-name') + ' · ' + (+t0.toPrecision(4)) + '–' + (+t1.toPrecision(4)) + ' ' + unit;
      var b = document.createElement('div'); b.textContent = d.getAttribute('data-what') + ' (peak): ' + v;
      tip.appendChild(h); tip.appendChild(b); tip.hidden = false; place(e);
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll('svg[data-hover="shared-x"], svg[data-hover="point"]'), function (svg) {
    var area = svg.querySelector('.hover-area');
    var cursor = svg.querySelector('.cursor');
    var dots = svg.querySelectorAll('.dot');
    if (!area) return;
    var mode = svg.getAttribute('data-hover');
    var series = Array.prototype.map.call(svg.querySelectorAll('g.series'), function (g) {
      var pts = [];
      Array.prototype.forEach.call(g.querySelectorAll('polyline'), function (pl) { pts = pts.concat(parse(pl)); });
      return { name: g.getAttribute('data-name'), color: g.getAttribute('data-color'), pts: pts };
    });
    function hide() {
      tip.hidden = true;
      if (cursor) cursor.setAttribute('visibility', 'hidden');
      Array.prototype.forEach.call(dots, function (d) { d.setAttribute('visibility', 'hidden'); });
    }
    area.addEventListener('mouseleave', hide);
    area.addEventListener('mousemove', function (e) {
      var sx = svgPoint(svg, e).x;
      tip.textContent = '';
      var head = null;
      series.forEach(function (s, i) {
        var best = null, bd = Infinity;
        s.pts.forEach(function (p) { var d = Math.abs(p.x - sx); if (d < bd) { bd = d; best = p; } });
        var dot = dots[i];
        if (!best) { if (dot) dot.setAttribute('visibility', 'hidden'); return; }
        if (dot) { dot.setAttribute('cx', best.x); dot.setAttribute('cy', best.y); dot.setAttribute('visibility', 'visible'); }
        if (mode === 'point') { tip.appendChild(row(s.color, s.name, best.vy + ' at ' + best.vx)); }
        else { if (head === null) head = best.vx; tip.appendChild(row(s.color, s.name, best.vy)); }
      });
      if (head !== null) {
        var h = document.createElement('div'); h.className = 'head'; h.textContent = head;
        tip.insertBefore(h, tip.firstChild);
      }
      if (cursor) { cursor.setAttribute('x1', sx); cursor.setAttribute('x2', sx); cursor.setAttribute('visibility', 'visible'); }
      tip.hidden = tip.childNodes.length === 0;
      place(e);
    });
  });
})();
`
