/**
 * The human report (stdout): the estimate in vegas style next to the uniform baseline, then
 * E_p[X], P_p(A), diagnostics and the iteration table.
 */
import type { IntegrationResult, Summary } from './schema';
import { formatEstimate, formatNumber, formatSeconds, renderTable } from './format';
import { observablesLines } from './observablesText';

type E = { mean: number; sdev: number } | null;

const est = (e: E): string => (e ? formatEstimate(e.mean, e.sdev) : 'undefined');

function pull(e: E, exact: number | undefined): string {
  if (!e || exact === undefined || !(e.sdev > 0)) return '';
  return ((e.mean - exact) / e.sdev).toFixed(2);
}

/** Dimensions above which E_p[x_k] is summarised in one line instead of one row per k. */
const MAX_EXPECTATION_ROWS = 16;

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

/** Options of `renderText`. */
export interface TextOptions {
  /** Known exact value of the integral (library integrands), shown with the pull. */
  exact?: number;
}

/**
 * The human report of a result document, newline-terminated: the problem, a table of the
 * estimate next to the uniform baseline (F, pull vs exact, E_p[x_k], P_p(A), calls, ESS,
 * unweighting efficiency, max weight, Pareto k-hat, verdict), the reasons of an unreliable
 * verdict, observables, the comparison, the iteration table with chi2/dof and Q, the target,
 * adaptation, auto choice, flow, training and timing lines. The exact value is `opts.exact`,
 * else the library integrand's.
 */
export function renderText(r: IntegrationResult, opts: TextOptions = {}): string {
  const out: string[] = [];
  const main = r.estimate;
  const base = r.baseline;
  const mainLabel =
    r.method === 'flow' ? (r.flow?.premap === 'vegas' ? 'i-flow+VEGAS map' : 'i-flow') : r.method === 'vegas' ? 'VEGAS+' : 'uniform MC';
  const lib = r.library ?? null;
  const exact = opts.exact ?? lib?.exact ?? undefined;
  const named = lib ? `@${lib.name} = ` : '';
  const head = `${r.interrupted ? 'PARTIAL RESULT (interrupted): ' : ''}integral of ${named}${r.problem.expression} over ${describeDomain(r)}`;
  out.push(head);
  const params = Object.entries(r.problem.params).filter(([k]) => !(lib && k === 'dim'));
  if (params.length > 0) out.push(`parameters: ${params.map(([k, v]) => `${k} = ${formatNumber(v, 12)}`).join(', ')}`);
  const bent = powerMapText(r);
  if (bent) out.push(bent);
  const cols = base ? ['', mainLabel, 'uniform MC'] : ['', mainLabel];
  const row = (label: string, a: string, b?: string) => (base ? [label, a, b ?? ''] : [label, a]);
  const rows: string[][] = [];
  rows.push(row('F', est(main.integral), base ? est(base.integral) : undefined));
  if (exact !== undefined) {
    rows.push(row('pull vs exact', pull(main.integral, exact), base ? pull(base.integral, exact) : undefined));
  }
  // with a sign-changing f these are ratios of signed integrals, not expectations under p
  const signed = main.signed || (base?.signed ?? false);
  const [ex, pr, mark] = signed ? ['E_f', 'P_f', ' (signed)'] : ['E_p', 'P_p', ''];
  if (main.expectation.length <= MAX_EXPECTATION_ROWS) {
    main.expectation.forEach((e, k) => rows.push(row(`${ex}[x${k + 1}]${mark}`, est(e), base ? est(base.expectation[k]) : undefined)));
  }
  main.events.forEach((ev, j) =>
    rows.push(row(`${pr}(${ev.label})${mark}`, est(ev.probability), base ? est(base.events[j].probability) : undefined)),
  );
  rows.push(row('calls', String(main.calls), base ? String(base.calls) : undefined));
  rows.push(row('rel. error', relErr(main), base ? relErr(base) : undefined));
  rows.push(row('ESS', essText(main), base ? essText(base) : undefined));
  rows.push(row('unweighting eff.', pct(main.unweightingEfficiency), base ? pct(base.unweightingEfficiency) : undefined));
  rows.push(row('max weight / mean', maxRatio(main), base ? maxRatio(base) : undefined));
  rows.push(row('Pareto k-hat', khatText(main), base ? khatText(base) : undefined));
  rows.push(row('verdict', verdictText(main), base ? verdictText(base) : undefined));
  out.push('');
  out.push(renderTable(cols, rows, base ? ['l', 'r', 'r'] : ['l', 'r']));
  if (signed) {
    out.push(
      `(signed) f changes sign: ${ex}[X] and ${pr}(A) are ratios of signed integrals, int g f dx / int f dx, not expectations under a density`,
    );
  }
  if (main.expectation.length > MAX_EXPECTATION_ROWS) out.push(expectationRange(main));
  out.push(...verdictLines(mainLabel, main));
  if (base) out.push(...verdictLines('uniform MC', base));
  if (exact !== undefined) out.push(`exact: ${formatNumber(exact, 12)}`);
  else if (lib?.exactMissing) out.push(`exact: unknown (${lib.exactMissing})`);
  if (r.observables) out.push(...observablesLines(r.observables));
  if (r.comparison) {
    const { varianceReduction: vr, efficiencyGain: eg } = r.comparison;
    out.push('');
    const caveat = r.comparison.baselineReliable ? '' : ' (against an UNRELIABLE baseline: not meaningful)';
    out.push(`variance reduction vs uniform at equal calls: ${vr === null ? 'n/a' : formatNumber(vr, 4)}${caveat}`);
    out.push(
      `efficiency gain counting ${r.calls.adapt + r.calls.train} adaptation and training calls: ${eg === null ? 'n/a' : formatNumber(eg, 4)}${caveat}`,
    );
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
  if (r.target) {
    const t = r.target;
    const asked = [
      t.relError !== null ? `rel. error ${formatNumber(t.relError, 3)}` : '',
      t.absError !== null ? `abs. error ${formatNumber(t.absError, 3)}` : '',
    ]
      .filter(Boolean)
      .join(' or ');
    parts.push(
      `target: ${asked} (SE <= ${formatNumber(t.sought, 3)}): ` +
        (t.reached
          ? 'reached'
          : `NOT reached (${t.stopReason})${t.callsNeeded !== null ? `; about ${formatNumber(t.callsNeeded, 3)} calls would reach it` : ''}`),
    );
  }
  if (r.adaptation) {
    const a = r.adaptation;
    parts.push(
      `VEGAS map: ${a.iterations} adaptation iterations, ${a.calls} calls in ${formatSeconds(a.seconds)} (discarded), ${a.increments} increments per axis, ${a.hypercubes} hypercubes` +
        (a.relVariance !== null ? `, rel. variance per call ${formatNumber(a.relVariance, 3)}` : ''),
    );
    const pa = a.principalAxes;
    if (pa) {
      const rel = (v: number | null) => (v !== null ? formatNumber(v, 3) : 'n/a');
      parts.push(
        `  principal axes (correlation eigenvalue ${formatNumber(pa.eigenvalue, 3)}): ` +
          `rel. variance per call ${rel(pa.relVariance)} on them, ${rel(pa.axisRelVariance)} on the cube's axes; ` +
          (pa.used
            ? 'the estimate samples on the principal axes'
            : r.method === 'vegas'
              ? "the estimate samples on the cube's axes"
              : 'the estimate samples with the flow'),
      );
    }
  }
  if (r.choice) {
    const c = r.choice;
    const fig = (f: { relVariance: number; secondsPerCall: number } | null) =>
      f ? `${formatNumber(f.relVariance, 3)} rel. variance per call, ${formatNumber(f.secondsPerCall * 1e6, 3)} us per call` : 'n/a';
    parts.push(
      `auto: sampled with ${c.sampler === 'flow' ? 'the flow' : c.sampler === 'vegas' ? 'the VEGAS map' : c.sampler}: ${c.reason}`,
    );
    parts.push(`  map: ${fig(c.map)}; flow: ${fig(c.flow)}`);
  }
  if (r.flow)
    parts.push(
      `flow: ${r.flow.premap === 'vegas' ? 'on the VEGAS map, ' : ''}${r.flow.spline}, ${r.flow.bins} bins, ${r.flow.layers} couplings, MLP ${r.flow.hidden.join('x')}, ${r.flow.parameters} parameters` +
        (r.defensive
          ? `; estimate sampled from (1 - a) q_flow + a q_0, a = ${r.defensive}, q_0 ${r.flow.premap === 'vegas' ? 'the VEGAS map' : 'uniform'} (defensive)`
          : ''),
    );
  if (r.training) {
    parts.push(
      `training: ${r.training.epochs} epochs x ${r.training.batch} (${r.training.loss} loss${slicesText(r.training)}) in ${formatSeconds(r.training.seconds)}` +
        (r.training.stopReason ? ` (stopped: ${r.training.stopReason})` : ''),
    );
  }
  parts.push(`evaluation: ${formatSeconds(r.seconds.evaluate)}; total ${formatSeconds(r.seconds.total)}`);
  parts.push(
    `backend: ${r.backend ? r.backend.name + (r.backend.addon ? ` (${r.backend.addon})` : '') : 'none (no flow, TensorFlow.js not loaded)'}; seed ${r.seed ?? (r.command === 'merge' ? 'per part (merged runs)' : 'none')}`,
  );
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

/**
 * The power maps of the samplers' domain (src/singular.ts), e.g. "power maps at integrable
 * singularities: x1 at 0 (p = 10)", or null when no axis has one.
 */
function powerMapText(r: IntegrationResult): string | null {
  const parts: string[] = [];
  (r.problem.maps ?? []).forEach((a, k) => {
    if (!a.warp) return;
    const [lo, hi] = r.problem.bounds[k];
    const where = a.warp.at === 'lower' ? `at ${lo}` : a.warp.at === 'upper' ? `at ${hi}` : `at ${lo} and ${hi}`;
    parts.push(`x${k + 1} ${where} (p = ${formatNumber(a.warp.power, 3)})`);
  });
  return parts.length > 0 ? `power maps at integrable singularities (VEGAS and flow sample through them): ${parts.join(', ')}` : null;
}

function relErr(s: Summary): string {
  const m = Math.abs(s.integral.mean);
  return m > 0 ? formatNumber(s.integral.sdev / m, 3) : 'n/a';
}

function essText(s: Summary): string {
  return `${formatNumber(s.ess, 4)} (${pct(s.essFraction)})`;
}

function maxRatio(s: Summary): string {
  return s.unweightingEfficiency > 0 ? formatNumber(1 / s.unweightingEfficiency, 3) : 'n/a';
}

function khatText(s: Summary): string {
  return s.khat === null ? 'n/a' : s.khat.toFixed(2);
}

function verdictText(s: Summary): string {
  return s.verdict.reliable ? 'reliable' : 'UNRELIABLE !';
}

/** "! i-flow UNRELIABLE: reason", one line per reason of an unreliable estimate. */
function verdictLines(label: string, s: Summary): string[] {
  return s.verdict.reasons.map((r) => `! ${label} UNRELIABLE: ${r.message}`);
}

function pct(x: number): string {
  return `${formatNumber(100 * x, 3)}%`;
}

/** ", 2 slices on 2 threads" when a batch was cut into slices (nothing for one). */
function slicesText(t: { slices?: number; workers?: number }): string {
  const slices = t.slices ?? 1;
  if (slices <= 1) return '';
  const threads = (t.workers ?? 0) + 1;
  return `, ${slices} slices on ${threads} thread${threads === 1 ? '' : 's'}`;
}
