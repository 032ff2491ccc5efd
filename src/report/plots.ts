/**
 * Pictures of a run as SVG: the training history, the one- and two-dimensional marginals of
 * p = f/F beside the sampling density q, and the distribution of the importance weights; and
 * an index.html that shows them with the run's settings and results, with the SVGs inline.
 *
 * Specs are vega-lite (https://vega.github.io/vega-lite/), compiled to vega and rendered by
 * vega's headless view (`renderer: 'none'`, `toSVG()`), which needs neither a browser nor a
 * canvas. This module loads vega and vega-lite at import, so callers import it lazily.
 */
import * as vega from 'vega';
import * as vl from 'vega-lite';
import { marginalDensities } from '../estimate/histograms';
import { formatEstimate, formatNumber, formatSeconds } from './format';
import type { IntegrationResult } from './schema';

/** One picture: a file name under the plot directory, its caption and the SVG text. */
export interface Picture {
  file: string;
  title: string;
  svg: string;
}

type Spec = Record<string, unknown>;

const P_LABEL = 'p = f/F (weighted histogram)';
const Q_LABEL = 'q (sampling density)';
const COLORS = { p: '#4c78a8', q: '#e45756', map: '#54a24b' };

/**
 * A number that a result may carry under one of `names` (fields that some versions add, e.g.
 * a Pareto k-hat of the weights or the adaptive map's own batch rel. sd); null when absent.
 */
function optionalNumber(obj: unknown, names: string[]): number | null {
  if (typeof obj !== 'object' || obj === null) return null;
  for (const name of names) {
    const v = (obj as Record<string, unknown>)[name];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
  }
  return null;
}

/** Render a vega-lite spec to SVG text with vega's headless view. Errors are thrown, warnings dropped. */
export async function renderSvg(spec: Spec): Promise<string> {
  const logger = vega.logger(vega.Error);
  const compiled = vl.compile(spec as unknown as vl.TopLevelSpec, { logger }).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', logLevel: vega.Error });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const base = (title: string, subtitle?: string): Spec => ({
  $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
  title: subtitle ? { text: title, subtitle, anchor: 'start' } : { text: title, anchor: 'start' },
  config: { aria: false, font: 'sans-serif', view: { stroke: '#ccc' }, axis: { labelFontSize: 10, titleFontSize: 11 } },
});

/**
 * Training history: the loss and the batch relative standard deviation of f/q per epoch, on
 * log axes (symlog for a loss that is not positive everywhere). `mapRelSdev`, when given, is
 * drawn as a horizontal reference on the rel. sd panel: the level of the adaptive map alone.
 */
function trainingSpec(training: NonNullable<IntegrationResult['training']>, mapRelSdev: number | null): Spec | null {
  const rows = training.history.filter((h) => h.loss !== null || h.relSdev !== null);
  if (rows.length === 0) return null;
  const losses = rows.flatMap((h) => (h.loss === null ? [] : [h.loss]));
  const lossScale = losses.every((v) => v > 0) ? { type: 'log' } : { type: 'symlog' };
  const panel = (field: 'loss' | 'relSdev', title: string, scale: Spec, extra: Spec[] = []): Spec => ({
    width: 320,
    height: 200,
    layer: [
      {
        data: { values: rows.filter((h) => h[field] !== null && (field === 'loss' || (h[field] as number) > 0)) },
        mark: { type: 'line', point: { size: 12 }, color: COLORS.p },
        encoding: {
          x: { field: 'epoch', type: 'quantitative', title: 'epoch' },
          y: { field, type: 'quantitative', title, scale },
        },
      },
      ...extra,
    ],
  });
  const reference: Spec[] =
    mapRelSdev !== null && mapRelSdev > 0
      ? [
          {
            data: { values: [{ level: mapRelSdev, label: `adaptive map alone: ${formatNumber(mapRelSdev, 3)}` }] },
            mark: { type: 'rule', color: COLORS.map, strokeDash: [6, 4], strokeWidth: 1.5 },
            encoding: { y: { field: 'level', type: 'quantitative' } },
          },
          {
            data: { values: [{ level: mapRelSdev, label: `adaptive map alone: ${formatNumber(mapRelSdev, 3)}` }] },
            mark: { type: 'text', color: COLORS.map, align: 'right', baseline: 'bottom', dy: -2, x: 318 },
            encoding: { y: { field: 'level', type: 'quantitative' }, text: { field: 'label' } },
          },
        ]
      : [];
  const subtitle = `${training.epochs} epochs of ${training.batch} calls, loss ${training.loss}${training.stopReason ? `, stopped: ${training.stopReason}` : ''}`;
  return {
    ...base('training history', subtitle),
    hconcat: [panel('loss', `loss (${training.loss})`, lossScale), panel('relSdev', 'batch rel. sd of f/q', { type: 'log' }, reference)],
  };
}

/** One-dimensional marginals of p (bars with 1-sigma error bars) and q (step line), one panel per dimension. */
function marginalsSpec(result: IntegrationResult): Spec | null {
  const h = result.histograms;
  if (!h || h.marginals.length === 0) return null;
  const rows = h.marginals.flatMap((m) =>
    marginalDensities(m, h).map((b) => ({
      k: m.dim,
      name: `x${m.dim}`,
      lo: b.lo,
      hi: b.hi,
      mid: (b.lo + b.hi) / 2,
      p: b.p,
      lower: b.p - b.pErr,
      upper: b.p + b.pErr,
      q: b.q,
    })),
  );
  const x = { field: 'lo', type: 'quantitative', title: null };
  const color = {
    type: 'nominal',
    scale: { domain: [P_LABEL, Q_LABEL], range: [COLORS.p, COLORS.q] },
    legend: { title: null, orient: 'top', labelLimit: 400 },
  };
  const outside = h.marginals.reduce((s, m) => s + m.under.count + m.over.count, 0);
  const subtitle = [
    `${h.calls} evaluation samples, ${h.marginals[0].sumW.length} bins per axis`,
    h.marginals.length < result.problem.dim ? `first ${h.marginals.length} of ${result.problem.dim} dimensions` : '',
    outside > 0 ? `${outside} coordinates outside the binned ranges` : '',
  ]
    .filter(Boolean)
    .join('; ');
  return {
    ...base('one-dimensional marginals of p and q', subtitle),
    data: { values: rows },
    columns: Math.min(4, h.marginals.length),
    facet: { field: 'name', type: 'nominal', sort: { field: 'k', op: 'min' }, title: null },
    spec: {
      width: 180,
      height: 120,
      layer: [
        {
          mark: { type: 'rect', opacity: 0.55 },
          encoding: {
            x,
            x2: { field: 'hi' },
            y: { field: 'p', type: 'quantitative', title: 'density' },
            y2: { datum: 0 },
            color: { ...color, datum: P_LABEL },
          },
        },
        {
          mark: { type: 'rule', color: '#333', opacity: 0.6 },
          encoding: { x: { field: 'mid', type: 'quantitative' }, y: { field: 'lower', type: 'quantitative' }, y2: { field: 'upper' } },
        },
        {
          mark: { type: 'line', interpolate: 'step', strokeWidth: 1.5 },
          encoding: {
            x: { field: 'mid', type: 'quantitative' },
            y: { field: 'q', type: 'quantitative' },
            color: { ...color, datum: Q_LABEL },
          },
        },
      ],
    },
    resolve: { scale: { x: 'independent', y: 'independent' } },
  };
}

/** Two-dimensional marginal of the chosen pair: p (weighted) and q (counts) as heat maps on one colour scale. */
function pairSpec(result: IntegrationResult): Spec | null {
  const pair = result.histograms?.pair;
  const h = result.histograms;
  if (!pair || !h) return null;
  const [a, b] = pair.dims;
  const wx = (pair.x.hi - pair.x.lo) / pair.x.bins;
  const wy = (pair.y.hi - pair.y.lo) / pair.y.bins;
  const rows = pair.sumW.map((sw, i) => {
    const ix = i % pair.x.bins;
    const iy = Math.floor(i / pair.x.bins);
    return {
      x: pair.x.lo + ix * wx,
      // cells overlap by 2% of a bin, which hides the anti-aliasing seams between them
      x2: pair.x.lo + (ix + 1.02) * wx,
      y: pair.y.lo + iy * wy,
      y2: pair.y.lo + (iy + 1.02) * wy,
      p: h.sumW !== 0 ? sw / h.sumW / (wx * wy) : 0,
      q: h.calls > 0 ? pair.count[i] / h.calls / (wx * wy) : 0,
    };
  });
  const panel = (field: 'p' | 'q', title: string): Spec => ({
    width: 260,
    height: 260,
    title,
    mark: { type: 'rect', clip: true },
    encoding: {
      x: {
        field: 'x',
        type: 'quantitative',
        title: `x${a}`,
        scale: { domain: [pair.x.lo, pair.x.hi], nice: false, zero: false },
        axis: { grid: false },
      },
      x2: { field: 'x2' },
      y: {
        field: 'y',
        type: 'quantitative',
        title: `x${b}`,
        scale: { domain: [pair.y.lo, pair.y.hi], nice: false, zero: false },
        axis: { grid: false },
      },
      y2: { field: 'y2' },
      color: { field, type: 'quantitative', title: 'density', scale: { scheme: 'viridis' } },
    },
  });
  return {
    ...base(
      `two-dimensional marginal of x${a}, x${b}`,
      `${pair.x.bins} x ${pair.y.bins} bins${pair.outside > 0 ? `; ${pair.outside} points outside` : ''}`,
    ),
    data: { values: rows },
    // one colour scale for both: where q is paler than p, the flow under-samples
    hconcat: [panel('p', P_LABEL), panel('q', Q_LABEL)],
  };
}

/** Title line of the weight picture: ESS, the largest weight, and k-hat when the result has one. */
function weightSubtitle(result: IntegrationResult): string {
  const s = result.estimate;
  const mean = Math.abs(s.integral.mean);
  const parts = [`ESS ${formatNumber(s.ess, 4)} of ${s.calls} calls (${formatNumber(100 * s.essFraction, 3)}%)`];
  if (mean > 0) parts.push(`max weight ${formatNumber(s.maxWeight / mean, 3)}x the mean`);
  const kHat =
    optionalNumber(s, ['paretoK', 'kHat', 'khat']) ?? optionalNumber((s as Record<string, unknown>).tail, ['paretoK', 'kHat', 'khat']);
  if (kHat !== null) parts.push(`Pareto k-hat ${formatNumber(kHat, 3)}`);
  return parts.join(', ');
}

/** Distribution of w / mean |w| on log-log axes. */
function weightsSpec(result: IntegrationResult): Spec | null {
  const h = result.histograms;
  if (!h) return null;
  const { log10Lo, step, counts, zeros, negatives, below, above } = h.weights;
  const rows = counts.flatMap((c, i) =>
    c > 0 ? [{ lo: 10 ** (log10Lo + i * step), hi: 10 ** (log10Lo + (i + 1) * step), count: c }] : [],
  );
  if (rows.length === 0) return null;
  const notes = [
    zeros > 0 ? `${zeros} zero weights not shown` : '',
    negatives > 0 ? `${negatives} negative weights binned by |w|` : '',
    below + above > 0 ? `${below + above} outside the binned range` : '',
  ].filter(Boolean);
  return {
    ...base('importance weights w / mean w', [weightSubtitle(result), ...notes].join('; ')),
    width: 420,
    height: 240,
    layer: [
      {
        data: { values: rows },
        mark: { type: 'rect', color: COLORS.p, opacity: 0.8 },
        encoding: {
          x: { field: 'lo', type: 'quantitative', scale: { type: 'log' }, title: 'w / mean w' },
          x2: { field: 'hi' },
          y: { field: 'count', type: 'quantitative', scale: { type: 'log' }, title: 'samples per bin' },
          y2: { datum: 0.7 },
        },
      },
      {
        data: { values: [{ one: 1 }] },
        mark: { type: 'rule', color: COLORS.q, strokeDash: [4, 3] },
        encoding: { x: { field: 'one', type: 'quantitative' } },
      },
    ],
  };
}

/**
 * The observable histograms (result.observables): per observable the bin contents (integral of
 * f over the bin, or its fraction of F) as bars with 1-sigma error bars, one panel each.
 */
function observableHistogramsSpec(result: IntegrationResult): Spec | null {
  const hs = result.observables?.histograms ?? [];
  if (hs.length === 0) return null;
  const rows = hs.flatMap((h, j) =>
    h.bins
      .filter((b) => b.mean !== null)
      .map((b) => {
        const mean = b.mean as number;
        const err = b.sdev ?? 0;
        return {
          k: j,
          name: `${j + 1}: ${h.observable}`,
          lo: b.lo,
          hi: b.hi,
          mid: (b.lo + b.hi) / 2,
          value: mean,
          lower: mean - err,
          upper: mean + err,
        };
      }),
  );
  const normalized = hs[0].normalized;
  const what = normalized ? 'fraction of F per bin' : 'integral of f per bin';
  return {
    ...base('histograms of observables', `${result.observables?.calls ?? 0} evaluation samples; ${what}, 1-sigma error bars`),
    data: { values: rows },
    columns: Math.min(3, hs.length),
    facet: { field: 'name', type: 'nominal', sort: { field: 'k', op: 'min' }, title: null },
    spec: {
      width: 220,
      height: 140,
      layer: [
        {
          mark: { type: 'rect', opacity: 0.55, color: COLORS.p },
          encoding: {
            x: { field: 'lo', type: 'quantitative', title: null },
            x2: { field: 'hi' },
            y: { field: 'value', type: 'quantitative', title: what },
            y2: { datum: 0 },
          },
        },
        {
          mark: { type: 'rule', color: '#333', opacity: 0.7 },
          encoding: { x: { field: 'mid', type: 'quantitative' }, y: { field: 'lower', type: 'quantitative' }, y2: { field: 'upper' } },
        },
      ],
    },
    resolve: { scale: { x: 'independent', y: 'independent' } },
  };
}

/** One value of a scan for its picture: the value and the estimate of F there. */
export interface ScanPicturePoint {
  value: number;
  mean: number;
  sdev: number;
}

/**
 * The scan curve: F against the scanned constant, with its 1-sigma error band.
 * @param name the constant's name (the x axis title)
 */
export function scanSpec(name: string, points: ScanPicturePoint[]): Spec | null {
  const rows = points
    .filter((p) => Number.isFinite(p.mean) && Number.isFinite(p.sdev))
    .map((p) => ({ ...p, lower: p.mean - p.sdev, upper: p.mean + p.sdev }));
  if (rows.length === 0) return null;
  const x = { field: 'value', type: 'quantitative', title: name };
  return {
    ...base(`the integral against ${name}`, `${rows.length} values; band: 1-sigma error`),
    width: 480,
    height: 260,
    data: { values: rows },
    layer: [
      {
        mark: { type: 'area', opacity: 0.3, color: COLORS.p },
        encoding: { x, y: { field: 'lower', type: 'quantitative', title: 'F' }, y2: { field: 'upper' } },
      },
      { mark: { type: 'line', point: true, color: COLORS.p }, encoding: { x, y: { field: 'mean', type: 'quantitative' } } },
    ],
  };
}

/**
 * All pictures the result allows: training (when it has a history), marginals, the pair and
 * the weights (when it has histograms), the observable histograms (when it has any). Returns
 * them in that order.
 */
export async function renderPictures(result: IntegrationResult): Promise<Picture[]> {
  const mapRelSdev = optionalNumber(result.training, ['mapRelSdev', 'mapOnlyRelSdev']);
  const specs: [string, string, Spec | null][] = [
    ['training.svg', 'Training history', result.training ? trainingSpec(result.training, mapRelSdev) : null],
    ['marginals.svg', 'One-dimensional marginals', marginalsSpec(result)],
    ['pair.svg', 'Two-dimensional marginal', pairSpec(result)],
    ['weights.svg', 'Weight distribution', weightsSpec(result)],
    ['observables.svg', 'Histograms of observables', observableHistogramsSpec(result)],
  ];
  const out: Picture[] = [];
  for (const [file, title, spec] of specs) if (spec) out.push({ file, title, svg: await renderSvg(spec) });
  return out;
}

const escapeHtml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const table = (rows: [string, string][]): string =>
  `<table>${rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('')}</table>`;

/** Settings of the run as label/value rows. */
function settingsRows(r: IntegrationResult): [string, string][] {
  const rows: [string, string][] = [
    ['command', r.command],
    ['method', r.method],
    ['expression', r.problem.expression],
    ['dimensions', String(r.problem.dim)],
    ['bounds', r.problem.bounds.map(([lo, hi]) => `${lo}:${hi}`).join(', ')],
  ];
  const params = Object.entries(r.problem.params);
  if (params.length) rows.push(['parameters', params.map(([k, v]) => `${k}=${v}`).join(', ')]);
  rows.push(['seed', String(r.seed)]);
  if (r.backend) rows.push(['backend', r.backend.name]);
  if (r.flow) {
    const f = r.flow;
    rows.push([
      'flow',
      `${f.spline}, ${f.bins} bins, ${f.layers} layers, hidden ${f.hidden.join(',')}${f.blob ? `, one-blob ${f.blob}` : ''}, ${f.parameters} parameters`,
    ]);
  }
  if (r.training) {
    const t = r.training;
    rows.push(['training', `${t.epochs} epochs x ${t.batch} calls, loss ${t.loss}${t.stopReason ? `, stopped: ${t.stopReason}` : ''}`]);
  }
  rows.push(['calls', `train ${r.calls.train}, evaluate ${r.calls.evaluate}, baseline ${r.calls.baseline}`]);
  return rows;
}

/** Results of the run as label/value rows. */
function resultRows(r: IntegrationResult): [string, string][] {
  const e = r.estimate;
  const rows: [string, string][] = [
    [`F (${r.method === 'flow' ? 'i-flow' : 'uniform MC'})`, formatEstimate(e.integral.mean, e.integral.sdev)],
  ];
  if (r.baseline) rows.push(['F (uniform MC)', formatEstimate(r.baseline.integral.mean, r.baseline.integral.sdev)]);
  rows.push(['ESS', `${formatNumber(e.ess, 4)} (${formatNumber(100 * e.essFraction, 3)}% of calls)`]);
  if (e.relativeVariance !== null) rows.push(['relative variance per call', formatNumber(e.relativeVariance, 4)]);
  if (r.chi2 !== null && r.Q !== null) rows.push(['chi2/dof, Q', `${(r.chi2 / r.dof).toFixed(2)}, ${r.Q.toFixed(2)}`]);
  if (r.comparison?.varianceReduction != null)
    rows.push(['variance reduction vs uniform', formatNumber(r.comparison.varianceReduction, 4)]);
  if (r.comparison?.efficiencyGain != null)
    rows.push(['efficiency gain (with training calls)', formatNumber(r.comparison.efficiencyGain, 4)]);
  rows.push([
    'time',
    `train ${formatSeconds(r.seconds.train)}, evaluate ${formatSeconds(r.seconds.evaluate)}, total ${formatSeconds(r.seconds.total)}`,
  ]);
  return rows;
}

/** The SVG with its ids (gradients, clip paths) prefixed, so that several can share one page. */
function scopeIds(svg: string, prefix: string): string {
  return svg.replace(/\bid="([^"]+)"/g, `id="${prefix}-$1"`).replace(/url\(#([^)]+)\)/g, `url(#${prefix}-$1)`);
}

/** index.html of a parameter scan: its title (the constant and the expression) and the scan curve inline. */
export function renderScanIndex(name: string, expression: string, svg: string): string {
  const title = escapeHtml(`iflow scan of ${name}: ${expression}`);
  return `<!doctype html><meta charset="utf-8"><title>${title}</title><h1>${title}</h1>\n${svg}\n`;
}

/** index.html: settings, results, warnings and every picture inline (no external resources). */
export function renderIndex(result: IntegrationResult, pictures: Picture[]): string {
  const warnings = result.warnings.length
    ? `<h2>Warnings</h2><ul>${result.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul>`
    : '';
  const figures = pictures
    .map(
      (p) =>
        `<figure><figcaption>${escapeHtml(p.title)} (${escapeHtml(p.file)})</figcaption>${scopeIds(p.svg, p.file.replace(/\W/g, '-'))}</figure>`,
    )
    .join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>iflow: ${escapeHtml(result.problem.expression)}</title>
<style>
body { font-family: sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; margin-bottom: 1em; }
th, td { text-align: left; padding: 2px 10px 2px 0; vertical-align: top; }
th { font-weight: normal; color: #555; }
td { font-family: monospace; }
figure { margin: 1.5em 0; }
figcaption { font-weight: bold; margin-bottom: 0.3em; }
</style>
</head>
<body>
<h1>${result.interrupted ? 'PARTIAL RESULT: ' : ''}integral of <code>${escapeHtml(result.problem.expression)}</code></h1>
<div style="display:flex;gap:3em;flex-wrap:wrap">
<div><h2>Results</h2>${table(resultRows(result))}</div>
<div><h2>Settings</h2>${table(settingsRows(result))}</div>
</div>
${warnings}
${figures}
</body>
</html>
`;
}
