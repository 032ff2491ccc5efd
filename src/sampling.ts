/**
 * From points of the unit cube to weighted points of the problem, the step shared by training
 * and estimation.
 *
 * For n points u in [0,1]^d with sampling density q(u) (q = 1 for uniform sampling), the
 * points are mapped to the user's domain x = phi(u) (src/domain.ts: linear on finite axes,
 * rational or tan maps on infinite ones) and weighted by w = g(f(x)) |det dphi/du| / q(u) in
 * float64, where g(f) = f for an estimate and g(f) = |f|^beta for training (beta = 1 except
 * while tempering). A non-finite value of f, or a non-finite weight, either stops the run with
 * a message naming the point (NanPolicy 'error') or counts as a zero weight ('zero', --nan zero).
 */
import { NumericalError } from './errors';
import type { Problem } from './problem';

/** What to do with a non-finite integrand value or weight: stop the run, or count it as zero. */
export type NanPolicy = 'error' | 'zero';

/** x = phi(u) for n points (row-major) and jac[i] = |det dphi/du| (Problem.domain). */
export function mapToDomain(problem: Problem, u: ArrayLike<number>, n: number, x: Float64Array, jac: Float64Array): void {
  problem.domain.toDomain(u, n, x, jac);
}

/** Point i of x (row-major, dim columns) as "(x1, x2, ...)" with 6 significant digits. */
export function describePoint(x: Float64Array, i: number, dim: number): string {
  const coords: string[] = [];
  for (let k = 0; k < dim; k++) coords.push(Number(x[i * dim + k].toPrecision(6)).toString());
  return `(${coords.join(', ')})`;
}

/** How `weighPoints` treats non-finite values, and what it weighs. */
export interface WeighOptions {
  nan: NanPolicy;
  /** Names the run in error messages ("the integrand is NaN at x = (...) during <stage>"). */
  stage: string;
  /**
   * Weigh |f|^magnitude instead of f (training's target: |f|, or |f|^beta while tempering);
   * absent for the signed f of an estimate.
   */
  magnitude?: number;
  /** Name of the integrand in error messages when it is not the main one (a further integrand's label). */
  label?: string;
}

/**
 * Weights of n points into w[0..n): w_i = g(f_i) jac_i / exp(logQ_i), or g(f_i) jac_i when
 * `logQ` is null (uniform sampling), with g(f) = f, or |f|^magnitude when `options.magnitude`
 * is set; a zero g gives a zero weight whatever the density (not with logQ null, where
 * 0 * jac is kept as computed), and logQ_i = +Infinity (a point a rotated VEGAS map put outside
 * the cube, src/vegas/axes.ts) a zero weight whatever f_i is. `x` (n x dim, row-major, the
 * points in the user's domain) only names a point in error messages.
 *
 * Returns the number of points whose f or weight was non-finite and was set to zero
 * (policy 'zero').
 * @throws NumericalError (stage `options.stage`) at the first non-finite f or weight with
 *   policy 'error': "the integrand is <f> at x = (...)" or "the sampling density is not usable
 *   (log q = <logQ>) at x = (...)".
 */
export function weighPoints(
  f: Float64Array,
  jac: Float64Array,
  logQ: ArrayLike<number> | null,
  n: number,
  x: Float64Array,
  dim: number,
  w: Float64Array,
  options: WeighOptions,
): number {
  const { nan, stage, magnitude } = options;
  const integrand = options.label === undefined ? 'the integrand' : `the integrand ${options.label}`;
  let bad = 0;
  for (let i = 0; i < n; i++) {
    if (logQ !== null && logQ[i] === Infinity) {
      // a point the sampler put outside the cube (src/vegas/axes.ts): zero weight, f unused
      w[i] = 0;
      continue;
    }
    const fi = f[i];
    if (Number.isFinite(fi)) {
      const gi = magnitude === undefined ? fi : magnitude === 1 ? Math.abs(fi) : Math.pow(Math.abs(fi), magnitude);
      const wi = logQ === null ? gi * jac[i] : gi === 0 ? 0 : (gi * jac[i]) / Math.exp(logQ[i]);
      if (Number.isFinite(wi)) {
        w[i] = wi;
        continue;
      }
    }
    if (nan === 'zero') {
      w[i] = 0;
      bad++;
      continue;
    }
    const what = !Number.isFinite(fi)
      ? `${integrand} is ${fi} at x = ${describePoint(x, i, dim)}`
      : `the sampling density is not usable (log q = ${logQ?.[i]}) at x = ${describePoint(x, i, dim)}`;
    throw new NumericalError(`${what} during ${stage}`, stage);
  }
  return bad;
}

/** Let pending events (signals, stream callbacks) run between chunks of synchronous work. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
