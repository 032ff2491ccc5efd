import { accumulate, emptyMoments, type Moments } from '../../src/estimate/stats';
import { summarize } from '../../src/estimate/summary';
import { judgeEstimate, KHAT_FINITE_VARIANCE, KHAT_MAX, type WeightDiagnostics } from '../../src/estimate/verdict';
import { Rng } from '../../src/rng';
import { goodDiagnostics } from './fixtures';

/** Moments of n uniform points u in [0,1] with weights w(u). */
function momentsOf(w: (u: number) => number, n: number, seed = 1): Moments {
  const rng = new Rng(seed, 3);
  const m = emptyMoments(1, 1);
  const x = new Float64Array(n);
  rng.fill(x);
  const ws = Float64Array.from(x, w);
  const hits = Uint8Array.from(x, (u) => (u > 0.5 ? 1 : 0));
  accumulate(m, ws, x, n, [hits]);
  return m;
}

const good = goodDiagnostics;

const codes = (d: Partial<WeightDiagnostics>, q?: number) =>
  judgeEstimate({ ...good, ...d }, q === undefined ? null : { chi2: 10, dof: 3, Q: q }).reasons.map((r) => r.code);

describe('verdict', () => {
  test('each diagnostic has its reason; a clean estimate is reliable', () => {
    expect(judgeEstimate(good)).toEqual({ reliable: true, reasons: [] });
    expect(codes({ khat: KHAT_MAX + 0.01, unweightingEfficiency: 0.05 })).toEqual(['pareto-k']);
    expect(codes({ khat: KHAT_FINITE_VARIANCE + 0.01, unweightingEfficiency: 0.05 })).toEqual(['infinite-variance']);
    // a short tail (largest weight 3x the mean): the fit's k-hat is not a verdict
    expect(codes({ khat: KHAT_MAX + 0.05 })).toEqual([]);
    expect(codes({ khat: null })).toEqual([]);
    expect(codes({ essFraction: 0.005 })).toEqual(['low-ess']);
    expect(codes({ unweightingEfficiency: 1 / 2000 })).toEqual(['max-weight']);
    // 1000x the mean per 1e6 calls; the largest weight holds about 4e6 / (1e7 + 4e6) of sum w^2
    expect(codes({ unweightingEfficiency: 1 / 2000, calls: 1e7, essFraction: 0.71 })).toEqual(['max-weight']);
    expect(codes({ unweightingEfficiency: 1 / 500, calls: 1e7, essFraction: 0.975 })).toEqual([]);
    expect(codes({ nonFinite: 3 })).toEqual(['non-finite']);
    expect(codes({}, 0.01)).toEqual(['inconsistent-iterations']);
    expect(codes({}, 0.2)).toEqual([]);
    expect(codes({ integral: { mean: 0, sdev: 0 }, maxWeight: 0, essFraction: 0, unweightingEfficiency: 0, khat: null })).toEqual([
      'zero-integrand',
    ]);
    expect(judgeEstimate({ ...good, khat: 0.9, unweightingEfficiency: 0.05 }).reliable).toBe(false);
    // the boundary probe: a slab holding more than the standard error (0.001) is a reason
    const slab = (mass: number) => judgeEstimate(good, null, { where: 'x1 = 0', width: 2 ** -40, mass }).reasons.map((r) => r.code);
    expect(slab(0.01)).toEqual(['boundary-mass']);
    expect(slab(-0.01)).toEqual(['boundary-mass']);
    expect(slab(0.0005)).toEqual([]);
  });

  test('the estimate against the VEGAS adaptation: more than 4 combined errors apart is a reason', () => {
    // estimate 1 +- 0.001; adaptation 1 + delta +- 0.001: z = -delta / (0.001 sqrt 2)
    const against = (delta: number, sdev = 0.001) =>
      judgeEstimate(good, null, null, null, { mean: 1 + delta, sdev }).reasons.map((r) => r.code);
    expect(against(0.0057)).toEqual(['inconsistent-adaptation']);
    expect(against(-0.0057)).toEqual(['inconsistent-adaptation']);
    expect(against(0.0056)).toEqual([]);
    expect(against(0)).toEqual([]);
    // an adaptation without an error (0 or not finite) is no reference
    expect(against(1, 0)).toEqual([]);
    expect(against(1, NaN)).toEqual([]);
    expect(judgeEstimate(good, null, null, null, { mean: 2, sdev: 0.001 }).reasons[0].message).toMatch(
      /the estimate and the VEGAS adaptation's last iterations disagree by -707\.1 of their combined error/,
    );
  });

  test('x^-0.9 sampled uniformly: heavy tail, unreliable; x^2: reliable', () => {
    const heavy = summarize(
      momentsOf((u) => Math.pow(u, -0.9), 100000),
      ['x1 > 0.5'],
    );
    expect(heavy.khat as number).toBeGreaterThan(KHAT_MAX);
    expect(heavy.verdict.reliable).toBe(false);
    expect(heavy.verdict.reasons.map((r) => r.code)).toContain('pareto-k');
    const smooth = summarize(
      momentsOf((u) => 3 * u * u, 100000),
      ['x1 > 0.5'],
    );
    expect(smooth.verdict).toEqual({ reliable: true, reasons: [] });
    expect(smooth.signed).toBe(false);
  });

  test('a sign-changing integrand is labelled signed, and its weights are not called heavy-tailed', () => {
    // f = sin(2 pi x) + 0.01: F = 0.01, while |w| is flat (ESS near 100%)
    const s = summarize(
      momentsOf((u) => Math.sin(2 * Math.PI * u) + 0.01, 100000),
      ['x1 > 0.5'],
    );
    expect(s.signed).toBe(true);
    expect(s.essFraction).toBeGreaterThan(0.75);
    expect(s.verdict).toEqual({ reliable: true, reasons: [] });
    // a negative integrand is not signed
    expect(
      summarize(
        momentsOf((u) => -1 - u, 1000),
        [],
      ).signed,
    ).toBe(false);
  });
});
