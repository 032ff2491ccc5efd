/**
 * Reports of a parameter scan (src/scan.ts): one text row per value, printed as each value
 * finishes (fixed column widths, so rows line up without waiting for the last), and the JSON
 * record of a value (its result with the scan's coordinates), one per line with --json.
 */
import { formatEstimate, formatNumber, formatSeconds } from './format';
import type { IntegrationResult } from './schema';

/** A scan's point as the reports need it: the constant, its value, and the run's result. */
export interface ScanPoint {
  index: number;
  /** Values in the scan. */
  count: number;
  name: string;
  value: number;
  /** True when the run started from the previous value's map or flow. */
  warm: boolean;
  result: IntegrationResult;
}

/** Columns of the scan table: title, width and alignment. */
const COLUMNS: [string, number, 'l' | 'r'][] = [
  ['', 12, 'r'],
  ['integral', 22, 'r'],
  ['rel. error', 10, 'r'],
  ['sampler', 7, 'l'],
  ['adapt calls', 11, 'r'],
  ['train calls', 11, 'r'],
  ['calls', 10, 'r'],
  ['seconds', 9, 'r'],
  ['verdict', 10, 'l'],
];

function line(cells: string[]): string {
  return cells
    .map((c, j) => {
      const [, width, align] = COLUMNS[j];
      return align === 'r' ? c.padStart(width) : c.padEnd(width);
    })
    .join('  ')
    .trimEnd();
}

/** The header of the scan table (two lines: titles, rule), the first column titled by the constant's name. */
export function scanHeader(name: string): string {
  const titles = COLUMNS.map(([t], j) => (j === 0 ? name : t));
  return `${line(titles)}\n${line(COLUMNS.map(([, w]) => '-'.repeat(w)))}\n`;
}

/**
 * One line of the scan table: the value, F with its error, the sampler, the calls of each stage,
 * the verdict, then a missed accuracy target and each further integrand (--also) as
 * `label = estimate`. Histograms and event probabilities are in the JSON records.
 */
export function scanRowText(p: ScanPoint): string {
  const r = p.result;
  const F = r.estimate.integral;
  const rel = F.mean !== 0 ? Math.abs(F.sdev / F.mean) : NaN;
  const verdict = r.interrupted ? 'interrupted' : r.reliable ? 'reliable' : 'UNRELIABLE';
  const cells = [
    formatNumber(p.value),
    formatEstimate(F.mean, F.sdev),
    Number.isFinite(rel) ? rel.toExponential(2) : '-',
    r.method,
    String(r.calls.adapt),
    String(r.calls.train),
    String(r.calls.evaluate),
    formatSeconds(r.seconds.total),
    verdict,
  ];
  // after the fixed columns: a missed accuracy target, then each further integrand (--also)
  // as label = estimate, marked when its own verdict is unreliable
  const extra: string[] = [];
  if (r.target && !r.target.reached) extra.push('target NOT reached');
  for (const g of r.observables?.integrals ?? []) {
    const value = g.integral.mean === null || g.integral.sdev === null ? 'n/a' : formatEstimate(g.integral.mean, g.integral.sdev);
    extra.push(`${g.label} = ${value}${g.reliable ? '' : ' UNRELIABLE'}`);
  }
  return [line(cells), ...extra].join('  ') + '\n';
}

/** The closing line of a scan: values done and the calls spent on adaptation and training in all. */
export function scanSummary(points: ScanPoint[]): string {
  const adapt = points.reduce((s, p) => s + p.result.calls.adapt, 0);
  const train = points.reduce((s, p) => s + p.result.calls.train, 0);
  const evaluate = points.reduce((s, p) => s + p.result.calls.evaluate, 0);
  const unreliable = points.filter((p) => !p.result.reliable).length;
  return (
    `${points.length} value${points.length === 1 ? '' : 's'}; ${adapt} adaptation, ${train} training and ${evaluate} estimate calls in all` +
    (points.length > 1 ? ' (each value after the first starts from the previous one)' : '') +
    (unreliable > 0 ? `; ${unreliable} unreliable` : '') +
    '\n'
  );
}

/** The JSON record of one value: `scan` (name, value, index, count, warm) and the whole result. */
export function scanRecord(p: ScanPoint): Record<string, unknown> {
  return { scan: { name: p.name, value: p.value, index: p.index, count: p.count, warm: p.warm }, ...p.result };
}
