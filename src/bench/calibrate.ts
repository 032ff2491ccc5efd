/**
 * Calibration of the error bars and of the verdict (`npm run calibrate`): many seeds of the
 * full pipeline on integrands with known values; prints per case the RMS of the pulls
 * (estimate - exact)/SE, which should be near 1, the coverage of the 1- and 2-sigma intervals
 * (68% and 95%), and how many runs with |pull| > 3 the verdict marks `reliable: false` (all of
 * them, ideally).
 *
 * Besides the smooth library cases, four integrands whose weights are heavy-tailed or whose
 * flow misses part of the mass, run with the CLI defaults as a new user would: an integrable
 * x^-0.9 spike in d = 1, 1/|x|^2 in d = 3 and Watson's integral (both singular at a corner,
 * weights with Pareto shape 2/3), and a correlated Gaussian ridge in a wide box.
 *
 * The entry point with its arguments is src/cli/scripts/calibrate.ts.
 */
import { integrateOptionsSchema } from '../options';
import { prepareProblem, runIntegrate } from '../integrate';
import { resolveIntegrand } from '../integrands';

/** A calibration case: a library integrand (`name`), or an expression with its exact value; `bounds` with one interval applies it to every axis. */
export interface CaseSpec {
  name: string;
  dim: number;
  /** A mathjs expression; absent for a library integrand (`name`). */
  expression?: string;
  bounds?: [number, number][];
  /** Exact value of the integral (library integrands carry their own). */
  exact?: number;
  /** Training and evaluation settings for the case. */
  options: Record<string, unknown>;
}

/** Short training and evaluation settings of the smooth library cases: 100 epochs of 2000 points at lr 1e-2, 50000 evaluation points. */
export const FAST = { epochs: 100, batch: 2000, lr: 1e-2, samples: 50000 };

/**
 * Correlated Gaussian: the normal density with unit variances and all correlations rho = 0.9
 * in d = 4, whose integral over [-10,10]^4 is 1 to within 1e-20. With S = (1-rho) I + rho 11^T,
 * S^-1 = (I - rho/(1+(d-1)rho) 11^T)/(1-rho) and det S = (1-rho)^(d-1) (1+(d-1)rho) = 0.0037.
 */
const CORRELATED_GAUSS = 'exp(-5 * (sum(x.^2) - 0.9 / 3.7 * sum(x)^2)) / (4 * pi^2 * sqrt(0.0037))';

/** The cases of `npm run calibrate` without --cases: three library integrands, then four heavy-tailed or hard ones. */
export const defaultCases: CaseSpec[] = [
  { name: 'gauss', dim: 4, options: FAST },
  { name: 'camel', dim: 4, options: FAST },
  { name: 'circles', dim: 2, options: FAST },
  { name: 'power', dim: 1, expression: 'x1^(-0.9)', exact: 10, options: {} },
  { name: 'inverse_square', dim: 3, expression: '1/sum(x.^2)', exact: 1.918531055610933, options: {} },
  {
    name: 'watson',
    dim: 3,
    expression: '1/(pi^3*(1-cos(x1)*cos(x2)*cos(x3)))',
    bounds: [[0, Math.PI]],
    // Gamma(1/4)^4 / (4 pi^3)
    exact: 1.3932039296856769,
    options: {},
  },
  { name: 'correlated_gauss', dim: 4, expression: CORRELATED_GAUSS, bounds: [[-10, 10]], exact: 1, options: {} },
];

/**
 * The calibration of one case over its seeds: RMS of the pulls (estimate - exact)/SE, the
 * fractions of |pull| < 1 and < 2 (coverage), the mean relative error SE/|exact|, and counts of
 * large pulls and unreliable verdicts.
 */
export interface CalibrationRow {
  case: string;
  seeds: number;
  pullRms: number;
  coverage1: number;
  coverage2: number;
  meanRelError: number;
  /** Runs with |pull| > 3, and how many of them carry `reliable: false`. */
  largePulls: number;
  largePullsUnreliable: number;
  /** Runs with `reliable: false` (whatever their pull). */
  unreliable: number;
}

/**
 * Run every case for seeds firstSeed .. firstSeed + seeds - 1 through the full pipeline (no
 * baseline), logging one line per run, and return one row per case.
 * Throws Error for a case without an exact value.
 */
export async function calibrate(cases: CaseSpec[], seeds: number, log: (s: string) => void, firstSeed = 1): Promise<CalibrationRow[]> {
  const rows: CalibrationRow[] = [];
  for (const c of cases) {
    const ref =
      c.expression === undefined
        ? resolveIntegrand('@' + c.name, c.dim)
        : { expression: c.expression, dim: c.dim, exact: c.exact, defaults: undefined };
    const exact = ref.exact;
    if (exact === undefined) throw new Error(`${c.name} has no exact value`);
    const pulls: number[] = [];
    let rel = 0;
    let large = 0;
    let largeFlagged = 0;
    let unreliable = 0;
    for (let s = firstSeed; s < firstSeed + seeds; s++) {
      const options = integrateOptionsSchema.parse({
        expression: ref.expression,
        dim: ref.dim,
        bounds: c.bounds,
        seed: s,
        baseline: false,
        ...c.options,
      });
      const r = await runIntegrate(prepareProblem(options, ref.defaults));
      const e = r.estimate.integral;
      const pull = (e.mean - exact) / e.sdev;
      pulls.push(pull);
      rel += e.sdev / Math.abs(exact);
      if (!r.reliable) unreliable++;
      if (Math.abs(pull) > 3) {
        large++;
        if (!r.reliable) largeFlagged++;
      }
      const khat = r.estimate.khat === null ? 'n/a' : r.estimate.khat.toFixed(2);
      const why = r.estimate.verdict.reasons.map((x) => x.code).join(',');
      log(
        `${c.name} d=${c.dim} seed ${s}: ${e.mean.toPrecision(7)} ± ${e.sdev.toPrecision(2)}  pull ${pull.toFixed(2)}  k-hat ${khat}  ` +
          `ESS ${(100 * r.estimate.essFraction).toPrecision(3)}%  ${r.reliable ? 'reliable' : `UNRELIABLE (${why})`}`,
      );
    }
    const rms = Math.sqrt(pulls.reduce((a, p) => a + p * p, 0) / pulls.length);
    rows.push({
      case: `${c.name}_d${c.dim}`,
      seeds,
      pullRms: rms,
      coverage1: pulls.filter((p) => Math.abs(p) < 1).length / pulls.length,
      coverage2: pulls.filter((p) => Math.abs(p) < 2).length / pulls.length,
      meanRelError: rel / seeds,
      largePulls: large,
      largePullsUnreliable: largeFlagged,
      unreliable,
    });
  }
  return rows;
}
