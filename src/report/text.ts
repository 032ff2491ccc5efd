/**
 * The human report (stdout): the estimate in vegas style next to the uniform baseline, then
 * E_p[X], P_p(A), diagnostics and the iteration table.
 */
import type { IntegrationResult, Summary } from './schema';
import { formatEstimate, formatNumber, formatSeconds, renderTable } from './format';

type E = { mean: number; sdev: number } | null;

const est = (e: E): string => (e ? formatEstimate(e.mean, e.sdev) : 'undefined');

function pull(e: E, exact: number | undefined): string {
  if (!e || exact === undefined || !(e.sdev > 0)) return '';
  return ((e.mean - exact) / e.sdev).toFixed(2);
}

/** Dimensions above which E_p[x_k] is summarised in one line instead of one row per k. */
export const MAX_EXPECTATION_ROWS = 16;

/** One line for many E_p[x_k]: the smallest and the largest (every value is in --json). */
function expectationRange(s: Summary): string {
  const known = s.expectation.map((e, k) => ({ e, k })).filter((v): v is { e: { mean: number; sdev: number }; k: number } => v.e !== null);
  if (known.length === 0) return `E_p[x1..x${s.expectation.length}]: undefined`;
  const lo = known.reduce((a, b) => (b.e.mean < a.e.mean ? b : a));
  const hi = known.reduce((a, b) => (b.e.mean > a.e.mean ? b : a));
  return (
    `E_p[x1..x${s.expectation.length}]: from ${est(lo.e)} (x${lo.k + 1}) to ${est(hi.e)} (x${hi.k + 1}); ` +
    'every E_p[x_k] is in the --json output'
  );
}

export interface TextOptions {
  /** Known exact value of the integral (library integrands), shown with the pull. */
  exact?: number;
}

export function renderText(r: IntegrationResult, opts: TextOptions = {}): string {
  const out: string[] = [];
  const main = r.estimate;
  const base = r.baseline;
  const mainLabel = r.method === 'flow' ? 'i-flow' : 'uniform MC';
  const lib = r.library ?? null;
  const exact = opts.exact ?? lib?.exact ?? undefined;
  const named = lib ? `@${lib.name} = ` : '';
  const head = `${r.partial ? 'PARTIAL RESULT (interrupted): ' : ''}integral of ${named}${r.problem.expression} over ${describeDomain(r)}`;
  out.push(head);
  const params = Object.entries(r.problem.params).filter(([k]) => !(lib && k === 'dim'));
  if (params.length > 0) out.push(`parameters: ${params.map(([k, v]) => `${k} = ${formatNumber(v, 12)}`).join(', ')}`);
  const cols = base ? ['', mainLabel, 'uniform MC'] : ['', mainLabel];
  const row = (label: string, a: string, b?: string) => (base ? [label, a, b ?? ''] : [label, a]);
  const rows: string[][] = [];
  rows.push(row('F', est(main.integral), base ? est(base.integral) : undefined));
  if (exact !== undefined) {
    rows.push(row('pull vs exact', pull(main.integral, exact), base ? pull(base.integral, exact) : undefined));
  }
  if (main.expectation.length <= MAX_EXPECTATION_ROWS) {
    main.expectation.forEach((e, k) => rows.push(row(`E_p[x${k + 1}]`, est(e), base ? est(base.expectation[k]) : undefined)));
  }
  main.events.forEach((ev, j) => rows.push(row(`P_p(${ev.label})`, est(ev.probability), base ? est(base.events[j].probability) : undefined)));
  rows.push(row('calls', String(main.calls), base ? String(base.calls) : undefined));
  rows.push(row('rel. error', relErr(main), base ? relErr(base) : undefined));
  rows.push(row('ESS', essText(main), base ? essText(base) : undefined));
  rows.push(row('unweighting eff.', pct(main.unweightingEfficiency), base ? pct(base.unweightingEfficiency) : undefined));
  out.push('');
  out.push(renderTable(cols, rows, base ? ['l', 'r', 'r'] : ['l', 'r']));
  if (main.expectation.length > MAX_EXPECTATION_ROWS) out.push(expectationRange(main));
  if (exact !== undefined) out.push(`exact: ${formatNumber(exact, 12)}`);
  else if (lib?.exactMissing) out.push(`exact: unknown (${lib.exactMissing})`);
  if (r.comparison) {
    const { varianceReduction: vr, efficiencyGain: eg } = r.comparison;
    out.push('');
    out.push(`variance reduction vs uniform at equal calls: ${vr === null ? 'n/a' : formatNumber(vr, 4)}`);
    out.push(`efficiency gain counting ${r.calls.train} training calls: ${eg === null ? 'n/a' : formatNumber(eg, 4)}`);
  }
  if (r.iterations.length > 1) {
    out.push('');
    out.push(
      renderTable(
        ['itn', 'integral', 'calls'],
        r.iterations.map((it) => [String(it.iteration), formatEstimate(it.integral.mean, it.integral.sdev), String(it.calls)]),
        ['r', 'r', 'r'],
      ),
    );
    if (r.chi2 !== null && r.Q !== null) out.push(`chi2/dof = ${(r.chi2 / r.dof).toFixed(2)}  Q = ${r.Q.toFixed(2)}`);
  }
  out.push('');
  const parts: string[] = [];
  if (r.flow) parts.push(`flow: ${r.flow.spline}, ${r.flow.bins} bins, ${r.flow.layers} couplings, MLP ${r.flow.hidden.join('x')}, ${r.flow.parameters} parameters`);
  if (r.training) {
    parts.push(
      `training: ${r.training.epochs} epochs x ${r.training.batch} (${r.training.loss} loss${slicesText(r.training)}) in ${formatSeconds(r.training.seconds)}` +
        (r.training.stopReason ? ` (stopped: ${r.training.stopReason})` : ''),
    );
  }
  parts.push(`evaluation: ${formatSeconds(r.seconds.evaluate)}; total ${formatSeconds(r.seconds.total)}`);
  parts.push(`backend: ${r.backend ? r.backend.name + (r.backend.addon ? ` (${r.backend.addon})` : '') : 'none (no flow)'}; seed ${r.seed ?? (r.command === 'merge' ? 'per part (merged runs)' : 'none')}`);
  out.push(...parts);
  return out.join('\n') + '\n';
}

function describeDomain(r: IntegrationResult): string {
  const b = r.problem.bounds;
  const unit = b.every(([lo, hi]) => lo === 0 && hi === 1);
  if (unit) return `[0,1]^${r.problem.dim}`;
  const same = b.every(([lo, hi]) => lo === b[0][0] && hi === b[0][1]);
  if (same) return `[${b[0][0]},${b[0][1]}]^${r.problem.dim}`;
  return b.map(([lo, hi]) => `[${lo},${hi}]`).join('x');
}

function relErr(s: Summary): string {
  const m = Math.abs(s.integral.mean);
  return m > 0 ? formatNumber(s.integral.sdev / m, 3) : 'n/a';
}

function essText(s: Summary): string {
  return `${formatNumber(s.ess, 4)} (${pct(s.essFraction)})`;
}

function pct(x: number): string {
  return `${formatNumber(100 * x, 3)}%`;
}

/** ", 2 slices on 2 threads" when a batch was cut into slices (nothing for one). */
function slicesText(t: { threads?: number; workers?: number }): string {
  const slices = t.threads ?? 1;
  if (slices <= 1) return '';
  const threads = (t.workers ?? 0) + 1;
  return `, ${slices} slices on ${threads} thread${threads === 1 ? '' : 's'}`;
}
