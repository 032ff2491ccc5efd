/** Text report of `iflow bench`: one table, a block of rows per case, and the pull summary. */
import { formatEstimate, formatNumber, renderTable } from '../report/format';
import { methodLabels, peerMethods, referenceMethods } from './anchors';
import { PULL_ALARM, type PullStats, type RunSummary } from './metrics';
import type { BenchReport, CaseResult } from './report';

/** Call counts: 95000, 1e6, 1.77e6, 2.6e6. */
export function formatCalls(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (n < 1e5) return String(Math.round(n));
  const e = Math.floor(Math.log10(n));
  const m = Number((n / 10 ** e).toPrecision(3));
  return m === 10 ? `1e${e + 1}` : `${m}e${e}`;
}

/** Three significant digits in scientific notation: 1.23e-3. */
export function formatSci(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '-';
  if (x === 0) return '0';
  return x.toExponential(2);
}

/** Signed pull with two decimals, flagged when |pull| > PULL_ALARM. */
export function formatPull(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return 'n/a !';
  const s = `${p >= 0 ? '+' : ''}${p.toFixed(2)}`;
  return Math.abs(p) > PULL_ALARM ? `${s} !` : s;
}

function formatSeconds(s: number | null | undefined): string {
  if (s === null || s === undefined || !Number.isFinite(s)) return '-';
  return s < 10 ? s.toFixed(2) : s < 100 ? s.toFixed(1) : s.toFixed(0);
}

function formatRms(rms: number | null | undefined, n: number): string {
  if (rms === null || rms === undefined) return '-';
  return `${rms.toFixed(2)} (${n})`;
}

/** Columns of the bench table, one row per case and method. */
export const HEADER = ['case', 'method', 'calls', 'estimate', 'rel.err', 'pull', 'FoM', 'unw.eff', 'seconds', 'pull RMS'];
const ALIGN: ('l' | 'r')[] = ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'];

function summaryRow(label: string, s: RunSummary): string[] {
  return [
    '',
    `${label} (${s.runs} seed${s.runs === 1 ? '' : 's'})`,
    formatCalls(s.calls),
    formatEstimate(s.estimate, s.se),
    formatSci(s.relError),
    formatPull(s.pull),
    formatSci(s.fom),
    s.unweightingEfficiency === null ? '-' : s.unweightingEfficiency.toFixed(3),
    formatSeconds(s.seconds),
    formatRms(s.pullRms, s.runs),
  ];
}

/** Rows of one case: iflow, uniform, the references at the closest budget and the NIS peers. */
export function caseRows(c: CaseResult): string[][] {
  const rows: string[][] = [];
  if (c.flow.runs.length > 0) rows.push(summaryRow('iflow', c.flow.summary));
  if (c.uniform.runs.length > 0) rows.push(summaryRow('uniform', c.uniform.summary));
  const ref = c.references;
  if (ref) {
    for (const m of referenceMethods) {
      if (m === 'gsl_plain') continue;
      const r = ref.rows[m];
      const spread = ref.seeds10?.[m];
      rows.push([
        '',
        `${methodLabels[m]} [${formatCalls(ref.budget)}]`,
        formatCalls(r.calls),
        formatEstimate(r.estimate, r.error),
        formatSci(r.error / Math.abs(c.exact)),
        formatPull(r.pull),
        formatSci(r.fom),
        '-',
        formatSeconds(r.seconds),
        spread ? formatRms(spread.pullRms, spread.runs) : '-',
      ]);
    }
    for (const m of peerMethods) {
      const p = ref.peers[m];
      if (!p) continue;
      rows.push([
        '',
        `${methodLabels[m]} [${formatCalls(p.calls)}]`,
        formatCalls(p.calls),
        formatEstimate(p.estimate, p.error),
        formatSci(p.error / Math.abs(c.exact)),
        formatPull(p.pull),
        formatSci(p.fom),
        p.unweightingEfficiency.toFixed(3),
        formatSeconds(p.seconds),
        '-',
      ]);
    }
  }
  if (rows.length > 0) rows[0][0] = c.id;
  return rows;
}

function pullLine(label: string, p: PullStats): string {
  if (p.n === 0) return `${label}: no runs`;
  return `${label}: RMS ${p.rms === null ? '-' : p.rms.toFixed(2)} over ${p.n} run${p.n === 1 ? '' : 's'}, max |pull| ${p.maxAbs === null ? '-' : p.maxAbs.toFixed(2)}, ${p.alarms} above ${PULL_ALARM}`;
}

function gain(x: number | null): string {
  return x === null ? '-' : `${formatNumber(x, 3)}x`;
}

/**
 * The text report of `iflow bench`: the cases and their settings, the table of iflow, uniform and
 * reference rows per case, the pull statistics, the FoM gains and a legend; ends with a newline.
 */
export function renderBench(report: BenchReport): string {
  const lines: string[] = [];
  lines.push(
    `iflow bench: N = ${formatCalls(report.budget)} calls per run, ${report.seeds} seed${report.seeds === 1 ? '' : 's'}, backend ${report.backend ?? '-'}${report.interrupted ? ' (interrupted: partial results)' : ''}`,
  );
  for (const c of report.cases) {
    const t = c.tuning;
    const params = Object.entries(c.params)
      .map(([k, v]) => `${k} = ${formatNumber(v)}`)
      .join(', ');
    lines.push(
      `  ${c.id}: @${c.integrand} d = ${c.dim}${params ? `, ${params}` : ''}, exact ${formatNumber(c.exact, 15)}; iflow ${c.plan.epochs} x ${c.plan.batch} training + ${c.plan.samples} samples, lr ${formatNumber(t.lr)}, ${t.loss ?? 'variance'} loss, ${t.bins} bins${t.spline && t.spline !== 'rqs' ? `, ${t.spline}` : ''}`,
    );
    if (c.note) lines.push(`    note: ${c.note}`);
  }
  lines.push('');
  lines.push(renderTable(HEADER, report.cases.flatMap(caseRows), ALIGN));
  lines.push('');
  lines.push(pullLine('pulls, iflow', report.pulls.flow));
  lines.push(pullLine('pulls, uniform', report.pulls.uniform));
  lines.push(
    `FoM gain of iflow (geometric mean over cases with all |pull| <= ${PULL_ALARM}): over uniform ${gain(report.gains.uniform)}, GSL VEGAS ${gain(report.gains.gslVegas)}, vegas+ ${gain(report.gains.vegasPlus)}, vegas classic ${gain(report.gains.vegasClassic)}`,
  );
  lines.push('');
  lines.push(
    'FoM = (SE/exact)^2 x calls, training calls included; lower is better, and meaningful only where |pull| < 4 (! marks |pull| > 4).',
  );
  lines.push('rel.err = SE/exact. iflow and uniform rows: inverse-variance combination of the seeds for estimate, rel.err and pull;');
  lines.push('median over seeds for calls, FoM and unw.eff; mean seconds per run; pull RMS over the seeds.');
  lines.push('[N] rows: reference results (seed 1) at the anchor budget N closest to this one, their pull RMS over 10 seeds;');
  lines.push('ZuNIS/MadNIS: 2.5e6 training + 1e5 evaluation calls. Machines differ: compare seconds with care.');
  return lines.join('\n') + '\n';
}
