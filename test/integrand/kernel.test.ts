/**
 * Shape of the generated kernels: the loop, coordinate loads, constant folding,
 * shared subexpressions, events and the evaluate() contract.
 */
import { UsageError } from '../../src/errors';
import { compileEvent, compileIntegrand } from '../../src/integrand';
import { firstMismatch } from './helpers';

function run(k: { evaluate(p: Float64Array, n: number, o: Float64Array): void; dim: number }, points: number[][]) {
  const pts = new Float64Array(points.flat());
  const out = new Float64Array(points.length);
  k.evaluate(pts, points.length, out);
  return Array.from(out);
}

describe('generated source', () => {
  it('is a flat loop over the points reading each needed coordinate once', () => {
    const k = compileIntegrand('exp(-sum((x-0.5).^2)/0.04)', { dim: 6 });
    expect(k.expression).toBe('exp(-sum((x-0.5).^2)/0.04)');
    expect(k.dim).toBe(6);
    expect(k.source).toMatch(/for \(let i = 0, o = 0; i < n; i\+\+, o \+= 6\)/);
    for (let j = 1; j <= 6; j++) {
      expect(k.source.match(new RegExp(`const x${j} = pts\\[`, 'g'))).toHaveLength(1);
    }
    expect(k.source).toMatch(/\bexp\(/);
    expect(k.source).toContain('out[i] = ');
    expect(k.source).not.toMatch(/mathjs|evaluate|Math\.pow/);
  });

  it('loads only the coordinates that are used', () => {
    const k = compileIntegrand('x2 * x[5]', { dim: 6 });
    expect(k.source).toContain('const x2 = pts[o + 1];');
    expect(k.source).toContain('const x5 = pts[o + 4];');
    expect(k.source).not.toMatch(/const x[1346] =/);
  });

  it('folds constant subexpressions', () => {
    const k = compileIntegrand('x1 * (2 * pi) + sqrt(4) + exp(0) + erf(0.5) * 0 + (1 < 2 ? 10 : 20)', { dim: 1 });
    expect(k.source).toContain(String(2 * Math.PI));
    expect(k.source).not.toMatch(/Math\.sqrt|exp\(|erf\(|\?/);
    expect(run(k, [[1]])[0]).toBeCloseTo(2 * Math.PI + 2 + 1 + 10, 12);
  });

  it('computes a repeated subexpression once', () => {
    const k = compileIntegrand('(sum((x - 0.5).^2) > 0.2^2 and sum((x - 0.5).^2) < 0.45^2) ? 1 : 0', { dim: 2 });
    expect(k.source.match(/x1 - 0\.5/g)).toHaveLength(1);
    // One addition of the two squares, shared by both comparisons.
    expect(k.source.match(/\) \+ \(/g)).toHaveLength(1);
  });

  it('expands small integer powers into products', () => {
    const k = compileIntegrand('x1^2 + x2^3 + x3^-1 + x1^7', { dim: 3 });
    expect(k.source).toContain('(x1 * x1)');
    expect(k.source).toContain('Math.pow(x1, 7)');
  });

  it('keeps booleans as 1/0 in integrands', () => {
    const k = compileIntegrand('x1 > 0.5', { dim: 1 });
    expect(run(k, [[0.7], [0.2], [0.5]])).toEqual([1, 0, 0]);
  });

  it('handles dimension 1 and large dimensions', () => {
    expect(run(compileIntegrand('sum(x) + prod(x) + norm(x)', { dim: 1 }), [[-2]])).toEqual([-2 - 2 + 2]);
    const d = 100;
    const k = compileIntegrand('sum(x .^ 2)', { dim: d });
    const p = Array.from({ length: d }, (_, i) => i / d);
    expect(run(k, [p])[0]).toBeCloseTo(
      p.reduce((a, v) => a + v * v, 0),
      10,
    );
  });

  it('accepts comments and line breaks', () => {
    const k = compileIntegrand('x1 +  # first coordinate\n  x2 # second', { dim: 2 });
    expect(run(k, [[1, 2]])).toEqual([3]);
  });
});

describe('events', () => {
  it('write 1 where the predicate holds and 0 elsewhere', () => {
    const k = compileEvent('x1 > 0.5 and x2 <= 0.25', { dim: 2 });
    expect(
      run(k, [
        [0.6, 0.2],
        [0.6, 0.3],
        [0.4, 0.1],
        [0.9, 0.25],
      ]),
    ).toEqual([1, 0, 0, 1]);
  });

  it('are conditions: a number-valued expression is refused as a UsageError', () => {
    for (const text of ['x1 - 0.5', '0.5', 'sqrt(x1 - 2)', '(x1 > 0.5) ? 1 : 0']) {
      expect(() => compileEvent(text, { dim: 1 })).toThrow(UsageError);
      expect(() => compileEvent(text, { dim: 1 })).toThrow(/is not a condition/);
    }
  });

  it('count comparisons with NaN as false', () => {
    expect(run(compileEvent('sqrt(x1 - 2) >= 0', { dim: 1 }), [[1], [3], [2]])).toEqual([0, 1, 1]);
    expect(run(compileEvent('not (x1 > 0.5)', { dim: 1 }), [[0.2], [0.7]])).toEqual([1, 0]);
  });

  it('support the full language', () => {
    const k = compileEvent('norm(x - 0.5) < 0.25 ? true : x[end] > 0.9', { dim: 3 });
    expect(
      run(k, [
        [0.5, 0.5, 0.5],
        [0, 0, 0.95],
        [0, 0, 0.5],
      ]),
    ).toEqual([1, 1, 0]);
  });
});

describe('evaluate()', () => {
  const k = compileIntegrand('x1 + x2', { dim: 2 });

  it('evaluates only the first n points', () => {
    const out = new Float64Array([7, 7, 7]);
    k.evaluate(new Float64Array([1, 2, 3, 4, 5, 6]), 2, out);
    expect(Array.from(out)).toEqual([3, 7, 7]);
  });

  it('checks the buffer sizes', () => {
    expect(() => k.evaluate(new Float64Array(3), 2, new Float64Array(2))).toThrow(RangeError);
    expect(() => k.evaluate(new Float64Array(4), 2, new Float64Array(1))).toThrow(RangeError);
    expect(() => k.evaluate(new Float64Array(4), -1, new Float64Array(2))).toThrow(RangeError);
    expect(() => k.evaluate(new Float64Array(4), 0, new Float64Array(0))).not.toThrow();
  });
});

describe('test helpers', () => {
  it('firstMismatch detects a relative difference above the tolerance', () => {
    const a = new Float64Array([1, 2, 3]);
    expect(firstMismatch(a, new Float64Array([1, 2, 3 + 1e-14]), 1e-12, 0)).toBe(-1);
    expect(firstMismatch(a, new Float64Array([1, 2 + 1e-9, 3]), 1e-12, 0)).toBe(1);
    expect(firstMismatch(a, new Float64Array([NaN, 2, 3]), 1e-12, 0)).toBe(0);
  });
});
