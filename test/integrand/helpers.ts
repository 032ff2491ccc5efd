/**
 * Shared helpers for the integrand tests: random points and the mathjs reference.
 */
import { compile as mathCompile } from 'mathjs';
import { Rng } from '../../src/rng';
import { UsageError } from '../../src/errors';

/** n uniform points in (0, 1)^dim, row-major. */
export function randomPoints(n: number, dim: number, seed: number): Float64Array {
  return new Rng(seed).fill(new Float64Array(n * dim)) as Float64Array;
}

/**
 * Evaluate `expr` with mathjs at every point, with scope {x1..xd, x: [..], ...params}.
 * Booleans count as 1/0; any other non-number result is an error.
 */
export function mathjsReference(
  expr: string,
  pts: Float64Array,
  n: number,
  dim: number,
  params: Record<string, number> = {},
): Float64Array {
  const code = mathCompile(expr);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = Array.from(pts.subarray(i * dim, (i + 1) * dim));
    const scope: Record<string, unknown> = { ...params, x };
    x.forEach((v, k) => (scope[`x${k + 1}`] = v));
    const r: unknown = code.evaluate(scope);
    if (typeof r === 'boolean') out[i] = r ? 1 : 0;
    else if (typeof r === 'number') out[i] = r;
    else throw new Error(`mathjs returned ${JSON.stringify(r)} for ${expr}`);
  }
  return out;
}

/** Index of the first element where |a - b| > rel * max(|a|, |b|) + abs, or -1. */
export function firstMismatch(a: Float64Array, b: Float64Array, rel: number, abs: number): number {
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i]) && Number.isNaN(b[i])) continue;
    if (a[i] === b[i]) continue;
    const tol = rel * Math.max(Math.abs(a[i]), Math.abs(b[i])) + abs;
    if (!(Math.abs(a[i] - b[i]) <= tol)) return i;
  }
  return -1;
}

/** Run f, expect it to throw a UsageError, and return that error. */
export function usageError(f: () => unknown): UsageError {
  try {
    f();
  } catch (err) {
    if (err instanceof UsageError) return err;
    throw new Error(`expected a UsageError, got ${String(err)}`);
  }
  throw new Error('expected a UsageError, but nothing was thrown');
}
