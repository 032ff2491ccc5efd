/**
 * The text section of the further integrands G_k (value, ratio to F, correlations with F and
 * each other) and of the observable histograms (one row per bin), for src/report/text.ts.
 */
import { formatEstimate, formatNumber, renderTable } from './format';
import type { ObservablesReport } from './schema';

/** Histograms with more bins than this show a one-line summary (every bin is in --json). */
const MAX_HISTOGRAM_ROWS = 50;

type Loose = { mean: number | null; sdev: number | null } | null;

const est = (e: Loose): string => (e && e.mean !== null && e.sdev !== null ? formatEstimate(e.mean, e.sdev) : 'undefined');

/** The lines of the section (empty when there is nothing to show). */
export function observablesLines(o: ObservablesReport): string[] {
  const out: string[] = [];
  if (o.integrals.length > 0) {
    out.push('');
    out.push(`further integrands on the same ${o.calls} points:`);
    out.push(
      renderTable(
        ['', 'expression', 'integral', 'ratio to F', 'verdict'],
        o.integrals.map((g) => [g.label, g.expression, est(g.integral), est(g.ratio), g.reliable ? 'reliable' : 'UNRELIABLE !']),
        ['l', 'l', 'r', 'r', 'l'],
      ),
    );
    const { labels, matrix } = o.covariance;
    const pairs: string[] = [];
    for (let a = 0; a < labels.length; a++) {
      for (let b = a + 1; b < labels.length; b++) {
        const c = matrix[a][b];
        const va = matrix[a][a];
        const vb = matrix[b][b];
        const rho = c !== null && va !== null && vb !== null && va > 0 && vb > 0 ? c / Math.sqrt(va * vb) : null;
        pairs.push(`${labels[a]}~${labels[b]} ${rho === null ? 'n/a' : rho.toFixed(3)}`);
      }
    }
    out.push(`correlations of the estimates: ${pairs.join(', ')} (covariance matrix in --json)`);
  }
  for (const h of o.histograms) {
    out.push('');
    const what = h.normalized ? 'fraction of F' : 'integral of f';
    out.push(`histogram of ${h.observable} on [${formatNumber(h.lo)}, ${formatNumber(h.hi)}), ${h.bins.length} bins: ${what} per bin`);
    if (h.bins.length <= MAX_HISTOGRAM_ROWS) {
      out.push(
        renderTable(
          ['bin', what],
          h.bins.map((b) => [`[${formatNumber(b.lo, 4)}, ${formatNumber(b.hi, 4)})`, est(b)]),
          ['l', 'r'],
        ),
      );
    } else {
      out.push(`(${h.bins.length} bins: every bin is in the --json output)`);
    }
    const extra = [`underflow ${est(h.underflow)}`, `overflow ${est(h.overflow)}`];
    if (h.undefined.mean !== null && h.undefined.mean !== 0) extra.push(`undefined ${est(h.undefined)}`);
    out.push(extra.join(', '));
  }
  return out;
}
