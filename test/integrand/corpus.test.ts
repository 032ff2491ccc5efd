/**
 * Kernel values against mathjs `evaluate` on random points for a corpus that covers
 * every language feature, plus the i-flow paper integrands.
 */
import { compileIntegrand } from '../../src/integrand';
import { firstMismatch, mathjsReference, randomPoints } from './helpers';

interface Case {
  expr: string;
  dim?: number;
  params?: Record<string, number>;
  /** Absolute tolerance added to the 1e-12 relative one (default 1e-14). */
  abs?: number;
}

const N = 200;
const REL = 1e-12;

const CORPUS: Case[] = [
  // scalar arithmetic
  { expr: 'x1 + x2 - x3' },
  { expr: 'x1 * x2 / x3' },
  { expr: '(x1 + x2) * (x3 - x4) / (1 + x5) - x6' },
  { expr: 'x1 ^ 2 + x2 ^ 3 + x3 ^ 4 + x4 ^ 1 + x5 ^ 0' },
  { expr: 'x1 ^ -1 + x2 ^ -2 + x3 ^ -3 + x4 ^ -4' },
  { expr: 'x1 ^ 0.5 + x2 ^ x3 + x4 ^ 5' },
  { expr: 'x1 .^ 2 + x2 .^ x3' },
  { expr: '-x1 + +x2 - -x3' },
  { expr: '-x1 ^ 2 + 2 ^ -x2' },
  { expr: '2 x1 + 3 (x2 - 1)' },
  { expr: 'mod(x1 * 10, 3) + (x2 * 7) % 2 + (x3 * 5) mod 1.5' },
  { expr: '50% * x1' },
  // functions
  { expr: 'exp(-x1) + log(x2) + sqrt(x3)' },
  { expr: 'abs(x1 - 0.5) + abs(x2 - x3)' },
  { expr: 'sin(2 * pi * x1) + cos(pi * x2) + tan(x3)' },
  { expr: 'atan(x1 - 0.5) + atan2(x2 - 0.5, x3 - 0.5)' },
  { expr: 'sinh(x1) + cosh(x2) - tanh(x3 - 0.5)' },
  { expr: 'erf(3 * x1 - 1.5) + erf(5 * x2) - erf(-0.1 * x3)' },
  { expr: 'min(x1, x2) + max(x3, x4, x5)' },
  { expr: 'floor(x1 * 10) / 10 + ceil(x2 * 3)' },
  { expr: 'log(x1 + 1, 2) + log(x2, 10)' },
  { expr: 'log2(x1) + log10(x2) + sign(x3 - 0.5)' },
  { expr: 'asin(x1) + acos(x2)' },
  { expr: 'pow(x1, 3) + pow(x2, 0.3)' },
  // constants and parameters
  { expr: 'pi * x1 + e ^ x2' },
  { expr: 'alpha * exp(-x1 / beta)', params: { alpha: 0.2, beta: 0.7 } },
  { expr: 'x[k] * alpha + x[k + 1]', params: { k: 3, alpha: 2 } },
  // comparisons, logic, conditional
  { expr: 'x1 < x2' },
  { expr: '(x1 <= 0.5) + (x2 >= 0.5) + (x3 > 0.25) + (x4 != x5) + (x6 == x6)' },
  { expr: 'x1 < 0.5 and x2 > 0.5' },
  { expr: 'x1 < 0.3 or not (x2 < 0.7)' },
  { expr: 'x1 > 0.5 xor x2 > 0.5' },
  { expr: 'x1 < x2 < x3' },
  { expr: 'x1 > 0.5 ? x2 : x3 ^ 2' },
  { expr: 'x1 > 0.5 ? (x2 > 0.5 ? 1 : 2) : 3' },
  { expr: 'x1 - 0.5 ? 1 : 0' },
  { expr: '(x1 > 0.5) * 2 + true - false' },
  // vectors
  { expr: 'sum(x)' },
  { expr: 'prod(x)' },
  { expr: 'norm(x)' },
  { expr: 'dot(x, x)' },
  { expr: 'sum((x - 0.5).^2)' },
  { expr: 'sum(x .* x) + dot(x, 2 * x)' },
  { expr: 'sum(x ./ (1 + x)) + sum(1 ./ x)' },
  { expr: 'sum(2 .^ x) + sum(x .^ x)' },
  { expr: 'sum(-x) + prod(x / 2) + sum(x * 3)' },
  { expr: 'sum(abs(x - 0.5))' },
  { expr: 'sum(floor(x * 3)) + sum(erf(x))' },
  { expr: 'max(x) - min(x)' },
  { expr: 'max(x .* (1 - x))' },
  { expr: 'x[1] + x[1 + 1] * x[end] - x[end - 1]' },
  { expr: 'sum(x[2:4]) + prod(x[1:2:5]) + sum(x[end:-1:4] .* x[1:3])' },
  { expr: 'sum(x > 0.5)' },
  { expr: 'dot(x < 0.5, x)' },
  { expr: 'sum(mod(x * 7, 1))' },
  { expr: 'norm(x - 0.5) < 0.6 ? exp(-norm(x - 0.5)) : 0' },
  { expr: 'sum(x - x1) + sum(x1 + x)' },
  { expr: 'sum(x1 > 0.5 ? x : -x)' },
  { expr: 'sum((2 * x)[2:3])' },
  { expr: 'x1 + sum(x) * norm(x)', dim: 1 },
  { expr: 'sum(x .^ 2) / 2', dim: 12 },
  // i-flow paper integrands
  { expr: 'exp(-sum((x-0.5).^2)/0.04)' },
  { expr: '(0.2*sqrt(pi))^(-4) * exp(-sum((x - 0.5).^2) / 0.2^2)', dim: 4 },
  {
    // camel: two Gaussians on the diagonal
    expr: '0.5 * (0.1*sqrt(pi))^(-4) * (exp(-sum((x - 1/3).^2) / 0.1^2) + exp(-sum((x - 2/3).^2) / 0.1^2))',
    dim: 4,
  },
  {
    expr: 'x2^3 * exp(-250*abs((x2-0.6)^2 + (x1-0.4)^2 - 0.0625)) + (1-x2)^3 * exp(-250*abs((x2-0.4)^2 + (x1-0.6)^2 - 0.0625))',
    dim: 2,
  },
  { expr: '(sum((x - 0.5).^2) > 0.2^2 and sum((x - 0.5).^2) < 0.45^2) ? 1 : 0', dim: 2 },
  { expr: '(sum((x - 0.5).^2) > 0.2^2 and sum((x - 0.5).^2) < 0.45^2) ? 1 : 0', dim: 6 },
];

describe('compiled kernels agree with mathjs evaluate', () => {
  it('the corpus is large enough', () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(40);
  });

  it.each(CORPUS.map((c, i) => [i, c.expr, c] as const))('#%i %s', (_i, _expr, c) => {
    const dim = c.dim ?? 6;
    const pts = randomPoints(N, dim, 1234 + dim);
    const kernel = compileIntegrand(c.expr, { dim, params: c.params });
    const got = new Float64Array(N);
    kernel.evaluate(pts, N, got);
    const want = mathjsReference(c.expr, pts, N, dim, c.params);
    const bad = firstMismatch(got, want, REL, c.abs ?? 1e-14);
    if (bad >= 0) {
      const point = Array.from(pts.subarray(bad * dim, (bad + 1) * dim));
      throw new Error(`point ${bad} ${JSON.stringify(point)}: kernel ${got[bad]}, mathjs ${want[bad]}\n${kernel.source}`);
    }
    expect(got.every((v) => Number.isFinite(v))).toBe(true);
  });

  it('the annulus takes both values on random points', () => {
    const expr = '(sum((x - 0.5).^2) > 0.2^2 and sum((x - 0.5).^2) < 0.45^2) ? 1 : 0';
    const pts = randomPoints(1000, 2, 7);
    const out = new Float64Array(1000);
    compileIntegrand(expr, { dim: 2 }).evaluate(pts, 1000, out);
    const inside = out.reduce((a, v) => a + v, 0);
    // Area of the annulus: pi * (0.45^2 - 0.2^2) ~ 0.51.
    expect(inside).toBeGreaterThan(400);
    expect(inside).toBeLessThan(620);
    expect(out.every((v) => v === 0 || v === 1)).toBe(true);
  });
});
