namespace MlOps.Sdk.Monitoring;

/// <summary>
/// The inline style and scripts of the HTML report. The renderer reads the report's JSON from the
/// <c>report-data</c> block and draws each <c>div.chart</c> as SVG, with DOM methods only (text goes through
/// <c>textContent</c>, never markup); every error it meets is shown in <c>#report-errors</c> and counted in
/// <c>body[data-script-errors]</c>, and <c>body[data-charts-rendered]</c> says how many charts it drew.
/// </summary>
internal static class ReportScript
{
    public const string Style = """
        body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:1100px;padding:1em 1.5em;color:#1d232a;background:#fff}
        h1{font-size:1.6em;margin:.2em 0}h2{border-bottom:1px solid #d0d7de;padding-bottom:.2em;margin-top:1.6em}
        table{border-collapse:collapse;margin:.6em 0;font-size:.92em}th,td{border:1px solid #d0d7de;padding:.25em .5em;text-align:right;vertical-align:top}
        th:first-child,td:first-child,td.feature,td:last-child{text-align:left}thead th{background:#f3f5f7}
        tr.drifted td{background:#fff1f0}.drifted{color:#b42318}.note{color:#57606a}
        dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.1em 1em;margin:.4em 0}dl.facts dt{color:#57606a}dl.facts dd{margin:0}
        .errors{border:2px solid #b42318;background:#fff1f0;padding:.5em 1em;margin:1em 0}
        .chart svg{max-width:100%;height:auto;font-size:11px}figure{margin:1em 0}figcaption{font-weight:600}
        @media print{details{display:block}}
        """;

    public const string ErrorCollector = """
        window.__reportErrors = [];
        window.__reportError = function (message) {
          window.__reportErrors.push(String(message));
          var body = document.body;
          if (!body) { return; }
          body.dataset.scriptErrors = String(window.__reportErrors.length);
          var box = document.getElementById('report-errors');
          if (box) { box.hidden = false; var p = document.createElement('p'); p.textContent = String(message); box.appendChild(p); }
        };
        window.onerror = function (message, source, line, column, error) {
          window.__reportError(String(message) + (line ? ' (line ' + line + ':' + column + ')' : ''));
          return false;
        };
        window.addEventListener('unhandledrejection', function (e) { window.__reportError('Unhandled rejection: ' + e.reason); });
        """;

    public const string Renderer = """
        (function () {
          'use strict';
          var NS = 'http://www.w3.org/2000/svg';
          var COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
          var pending = window.__reportErrors.slice();
          window.__reportErrors = [];
          pending.forEach(window.__reportError);
          var report = JSON.parse(document.getElementById('report-data').textContent);

          function num(v) { return typeof v === 'number' ? v : (v === null || v === undefined ? NaN : Number(v)); }
          function fmt(v) { v = num(v); return isFinite(v) ? Number(v.toPrecision(4)).toString() : '—'; }
          function node(name, attrs, parent) {
            var e = document.createElementNS(NS, name);
            Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, String(attrs[k])); });
            if (parent) { parent.appendChild(e); }
            return e;
          }
          function label(parent, x, y, s, attrs) { var t = node('text', Object.assign({ x: x, y: y }, attrs || {}), parent); t.textContent = s; return t; }
          function tip(parent, s) { node('title', {}, parent).textContent = s; }
          function svg(container, width, height, title) {
            while (container.firstChild) { container.removeChild(container.firstChild); }
            var s = node('svg', { viewBox: '0 0 ' + width + ' ' + height, width: width, height: height, role: 'img' }, container);
            s.setAttribute('aria-label', title);
            return s;
          }
          function short(s, n) { s = String(s); return s.length > n ? s.slice(0, n - 1) + '…' : s; }
          function legend(s, items, x, y) {
            items.forEach(function (item, i) {
              node('rect', { x: x, y: y + i * 16 - 9, width: 10, height: 10, fill: item.color }, s);
              label(s, x + 14, y + i * 16, item.name);
            });
          }
          function axis(s, x, y0, y1, max) {
            node('line', { x1: x, y1: y0, x2: x, y2: y1, stroke: '#57606a' }, s);
            [0, 0.5, 1].forEach(function (f) {
              var y = y0 - (y0 - y1) * f;
              node('line', { x1: x - 4, y1: y, x2: x, y2: y, stroke: '#57606a' }, s);
              label(s, x - 6, y + 4, fmt(max * f), { 'text-anchor': 'end' });
            });
          }

          // Horizontal bars, one per feature, with the threshold drawn as a dashed line.
          function scorePanel(s, x, y, width, features, title, value, threshold, showNames) {
            var values = features.map(value).map(num);
            var max = Math.max(threshold * 1.25, Math.max.apply(null, values.filter(isFinite).concat([0])));
            var row = 18;
            label(s, x + width / 2, y - 8, title, { 'text-anchor': 'middle', 'font-weight': 'bold' });
            features.forEach(function (f, i) {
              var v = values[i];
              var top = y + i * row;
              if (showNames) { label(s, x - 6, top + 12, short(f.feature, 28), { 'text-anchor': 'end' }); }
              var w = isFinite(v) ? Math.max(1, width * Math.min(v, max) / max) : 0;
              var bar = node('rect', { x: x, y: top + 2, width: w, height: row - 5, fill: v >= threshold ? '#d62728' : '#1f77b4' }, s);
              tip(bar, f.feature + ': ' + title + ' ' + fmt(v));
            });
            var tx = x + width * threshold / max;
            var line = node('line', { x1: tx, y1: y - 4, x2: tx, y2: y + features.length * row, stroke: '#b42318', 'stroke-dasharray': '4 3', 'class': 'threshold' }, s);
            tip(line, 'threshold ' + fmt(threshold));
            label(s, tx + 3, y + features.length * row + 12, '≥ ' + fmt(threshold), { fill: '#b42318' });
          }

          function drawDrift(container) {
            var features = report.drift.overall.features.features;
            var t = report.thresholds;
            var panel = 200, left = 190, top = 30;
            var s = svg(container, left + 3 * (panel + 30), top + features.length * 18 + 30, 'Drift scores per feature');
            scorePanel(s, left, top, panel, features, 'PSI', function (f) { return f.populationStabilityIndex; }, num(t.populationStabilityIndex), true);
            scorePanel(s, left + panel + 30, top, panel, features, 'Jensen–Shannon', function (f) { return f.jensenShannonDistance; }, num(t.jensenShannonDistance), false);
            scorePanel(s, left + 2 * (panel + 30), top, panel, features, 'KS D', function (f) { return f.kolmogorovSmirnov ? f.kolmogorovSmirnov.statistic : NaN; }, num(t.kolmogorovSmirnovStatistic), false);
          }

          function drawDistribution(container) {
            var d = report.distributions[Number(container.dataset.index)];
            var sum = function (a) { return a.reduce(function (x, y) { return x + num(y); }, 0); };
            var rTotal = sum(d.reference) || 1, lTotal = sum(d.live) || 1;
            var shares = d.bins.map(function (_, i) { return [num(d.reference[i]) / rTotal, num(d.live[i]) / lTotal]; });
            var max = Math.max.apply(null, shares.map(function (p) { return Math.max(p[0], p[1]); }).concat([0.01]));
            var left = 50, top = 14, height = 160, slot = Math.max(18, Math.min(60, 700 / Math.max(1, d.bins.length)));
            var s = svg(container, left + slot * d.bins.length + 140, top + height + 70, 'Distribution of ' + d.feature);
            axis(s, left - 4, top + height, top, max);
            shares.forEach(function (p, i) {
              [0, 1].forEach(function (side) {
                var h = height * p[side] / max;
                var bar = node('rect', { x: left + i * slot + 2 + side * (slot - 4) / 2, y: top + height - h, width: (slot - 4) / 2, height: Math.max(h, 0), fill: side ? '#d62728' : '#1f77b4', 'class': side ? 'live' : 'reference' }, s);
                tip(bar, d.bins[i] + ': ' + (side ? 'live ' + d.live[i] : 'reference ' + d.reference[i]) + ' (' + fmt(p[side] * 100) + '%)');
              });
              var x = left + i * slot + slot / 2, y = top + height + 10;
              label(s, x, y, short(d.bins[i], 14), { 'text-anchor': 'end', transform: 'rotate(-40 ' + x + ' ' + y + ')' });
            });
            legend(s, [{ name: 'reference', color: '#1f77b4' }, { name: 'live', color: '#d62728' }], left + slot * d.bins.length + 16, top + 10);
          }

          function drawPerformance(container, metric) {
            var windows = report.performance.windows;
            var series = {};
            windows.forEach(function (w) {
              var key = 'v' + w.version + ' ' + w.arm;
              (series[key] = series[key] || []).push({ t: Date.parse(w.start), v: num(w.metrics[metric]) });
            });
            var keys = Object.keys(series);
            var points = [].concat.apply([], keys.map(function (k) { return series[k]; }));
            var finite = points.filter(function (p) { return isFinite(p.v); });
            var left = 60, top = 14, width = 700, height = 220;
            var s = svg(container, left + width + 180, top + height + 40, metric + ' over time');
            var t0 = Math.min.apply(null, points.map(function (p) { return p.t; }).concat([Infinity]));
            var t1 = Math.max.apply(null, points.map(function (p) { return p.t; }).concat([-Infinity]));
            var lo = Math.min.apply(null, finite.map(function (p) { return p.v; }).concat([Infinity]));
            var hi = Math.max.apply(null, finite.map(function (p) { return p.v; }).concat([-Infinity]));
            if (!isFinite(lo)) { lo = 0; hi = 1; }
            if (hi - lo < 1e-12) { lo -= 0.5; hi += 0.5; }
            var x = function (t) { return left + (t1 > t0 ? width * (t - t0) / (t1 - t0) : width / 2); };
            var y = function (v) { return top + height - height * (v - lo) / (hi - lo); };
            node('line', { x1: left, y1: top + height, x2: left + width, y2: top + height, stroke: '#57606a' }, s);
            node('line', { x1: left, y1: top, x2: left, y2: top + height, stroke: '#57606a' }, s);
            label(s, left - 6, top + 4, fmt(hi), { 'text-anchor': 'end' });
            label(s, left - 6, top + height + 4, fmt(lo), { 'text-anchor': 'end' });
            if (isFinite(t0)) {
              label(s, left, top + height + 18, new Date(t0).toISOString().slice(0, 10));
              label(s, left + width, top + height + 18, new Date(t1).toISOString().slice(0, 10), { 'text-anchor': 'end' });
            }
            keys.forEach(function (k, i) {
              var color = COLORS[i % COLORS.length];
              var d = '', pen = 'M';
              series[k].forEach(function (p) {
                if (!isFinite(p.v)) { pen = 'M'; return; }
                d += pen + x(p.t).toFixed(1) + ' ' + y(p.v).toFixed(1) + ' ';
                pen = 'L';
                var dot = node('circle', { cx: x(p.t), cy: y(p.v), r: 3, fill: color }, s);
                tip(dot, k + ' ' + new Date(p.t).toISOString().slice(0, 10) + ': ' + metric + ' ' + fmt(p.v));
              });
              var path = node('path', { d: d.trim() || 'M0 0', fill: 'none', stroke: color, 'stroke-width': 2 }, s);
              tip(path, k);
            });
            legend(s, keys.map(function (k, i) { return { name: k, color: COLORS[i % COLORS.length] }; }), left + width + 16, top + 10);
            label(s, left + width / 2, top + height + 34, metric, { 'text-anchor': 'middle', 'font-weight': 'bold' });
          }

          function drawComparison(container) {
            var c = report.comparison;
            var columns = [];
            [['champion', c.champion], ['challenger', c.challenger]].forEach(function (side) {
              side[1].totals.forEach(function (t) { columns.push({ name: side[0] + ' v' + t.version + ' ' + t.arm, total: t }); });
            });
            var metrics = [];
            if (report.metric) { metrics.push(report.metric); }
            columns.forEach(function (col) { Object.keys(col.total.metrics).forEach(function (m) { if (metrics.indexOf(m) < 0) { metrics.push(m); } }); });
            var panel = Math.max(60, columns.length * 26 + 20), left = 20, top = 24, height = 140;
            var s = svg(container, left + metrics.length * (panel + 20) + 220, top + height + 40, 'Champion vs challenger');
            metrics.forEach(function (m, j) {
              var px = left + j * (panel + 20);
              var values = columns.map(function (col) { return num(col.total.metrics[m]); });
              var max = Math.max.apply(null, values.filter(isFinite).map(Math.abs).concat([1e-12]));
              label(s, px + panel / 2, top - 8, m, { 'text-anchor': 'middle', 'font-weight': 'bold' });
              node('line', { x1: px, y1: top + height, x2: px + panel, y2: top + height, stroke: '#57606a' }, s);
              values.forEach(function (v, i) {
                var h = isFinite(v) ? height * Math.abs(v) / max : 0;
                var bar = node('rect', { x: px + 10 + i * 26, y: top + height - h, width: 20, height: h, fill: COLORS[i % COLORS.length] }, s);
                tip(bar, columns[i].name + ': ' + m + ' ' + fmt(v));
                label(s, px + 20 + i * 26, top + height + 14, fmt(v), { 'text-anchor': 'middle', 'font-size': '9' });
              });
            });
            legend(s, columns.map(function (col, i) { return { name: col.name, color: COLORS[i % COLORS.length] }; }), left + metrics.length * (panel + 20) + 10, top + 10);
          }

          var draw = { drift: drawDrift, distribution: drawDistribution, comparison: drawComparison, performance: function (c) { drawPerformance(c, selectedMetric()); } };
          function selectedMetric() { var select = document.getElementById('metric-select'); return select && select.value ? select.value : report.metric; }
          var rendered = 0;
          Array.prototype.forEach.call(document.querySelectorAll('div.chart'), function (container) {
            try {
              var kind = container.dataset.chart;
              if (!draw[kind]) { throw new Error('Unknown chart "' + kind + '"'); }
              draw[kind](container);
              container.dataset.rendered = 'true';
              rendered++;
            } catch (e) {
              window.__reportError('Chart ' + container.dataset.chart + (container.dataset.index ? ' ' + container.dataset.index : '') + ': ' + (e && e.stack ? e.stack : e));
            }
          });
          var select = document.getElementById('metric-select');
          if (select) {
            select.addEventListener('change', function () {
              try { drawPerformance(document.querySelector('div.chart[data-chart="performance"]'), select.value); } catch (e) { window.__reportError('Chart performance: ' + e); }
            });
          }
          document.body.dataset.chartsRendered = String(rendered);
          document.body.dataset.scriptErrors = String(window.__reportErrors.length);
        })();
        """;
}
