/**
 * The singularity probe (src/singular.ts): power-law singularities at faces, edges and corners
 * get a power map of the measured strength on the axes of their set; smooth integrands, a
 * narrow peak that is not a power law and a logarithm get none; the maps depend on the problem
 * only; the probe's calls are counted with the pilot's.
 */
import { DomainMap, defaultAxisMap, type AxisWarp } from '../src/domain';
import { compileIntegrand } from '../src/integrand';
import { resolveIntegrand } from '../src/integrands/library';
import { buildProblem, type ProblemInput } from '../src/problem';
import { MAX_POWER, singularityMaps } from '../src/singular';

/** Calls of the probe in d dimensions: 3 depths x 16 points at each of the 2d faces, 4 C(d, 2) edges and (3 <= d <= 10) 2^d corners. */
function probeCalls(d: number): number {
  return 48 * (2 * d + 2 * d * (d - 1) + (d >= 3 && d <= 10 ? 2 ** d : 0));
}

/** The warps buildProblem puts on the axes of the unit cube (undefined: none). */
function warpsOf(expression: string, dim: number, extra: Partial<ProblemInput> = {}): (AxisWarp | undefined)[] {
  return buildProblem({ expression, dim, bounds: [[0, 1]], ...extra }).domain.axes.map((a) => a.warp);
}

/** The probe on the unit cube, straight from singularityMaps. */
function probe(expression: string, dim: number, params: Record<string, number> = {}) {
  const integrand = compileIntegrand(expression, { dim, params });
  return singularityMaps(new DomainMap(Array.from({ length: dim }, () => defaultAxisMap(0, 1))), integrand);
}

describe('power-law singularities get a power map', () => {
  test('x1^(-0.9) in d = 1: the lower end, p near 1/(1 - 0.9) = 10', () => {
    const [w] = warpsOf('x1^(-0.9)', 1);
    expect(w?.at).toBe('lower');
    expect(w!.power).toBeGreaterThanOrEqual(9);
    expect(w!.power).toBeLessThanOrEqual(11);
    const { ends } = probe('x1^(-0.9)', 1);
    expect(ends).toHaveLength(1);
    expect(ends[0]).toMatchObject({ axes: [0], ends: [0] });
    expect(Math.abs(ends[0].exponent + 0.9)).toBeLessThan(0.01);
  });

  test('(1 - x1)^(-0.8): the upper end, p near 5', () => {
    const [w] = warpsOf('(1-x1)^(-0.8)', 1);
    expect(w?.at).toBe('upper');
    expect(w!.power).toBeGreaterThanOrEqual(4.5);
    expect(w!.power).toBeLessThanOrEqual(5.5);
  });

  test('(x1 (1 - x1))^(-0.7): both ends, p near 1/0.3', () => {
    const [w] = warpsOf('(x1*(1-x1))^(-0.7)', 1);
    expect(w?.at).toBe('both');
    expect(w!.power).toBeGreaterThanOrEqual(3.2);
    expect(w!.power).toBeLessThanOrEqual(3.8);
    const { ends } = probe('(x1*(1-x1))^(-0.7)', 1);
    expect(ends.map((e) => e.ends)).toEqual([[0], [1]]);
  });

  test('1/|x|^2 in d = 3: the corner at 0 bends all three axes with p near 3 / (3 - 2) = 3', () => {
    const warps = warpsOf('1/sum(x.^2)', 3);
    expect(warps).toHaveLength(3);
    for (const w of warps) {
      expect(w?.at).toBe('lower');
      expect(w!.power).toBeGreaterThanOrEqual(2.75);
      expect(w!.power).toBeLessThanOrEqual(3.25);
    }
    // found at the corner, not at a face or an edge
    const { ends } = probe('1/sum(x.^2)', 3);
    expect(ends).toHaveLength(1);
    expect(ends[0]).toMatchObject({ axes: [0, 1, 2], ends: [0, 0, 0] });
    expect(Math.abs(ends[0].exponent + 2)).toBeLessThan(0.05);
  });

  test('x1^(-0.6) x2^(-0.6) in d = 2: both faces at 0, p near 2.5; the edge under their maps adds nothing', () => {
    const warps = warpsOf('x1^(-0.6)*x2^(-0.6)', 2);
    for (const w of warps) {
      expect(w?.at).toBe('lower');
      expect(w!.power).toBeGreaterThanOrEqual(2.5);
      expect(w!.power).toBeLessThanOrEqual(3);
    }
    const { ends } = probe('x1^(-0.6)*x2^(-0.6)', 2);
    expect(ends.map((e) => e.axes)).toEqual([[0], [1]]);
  });

  test('an exact power law gets the quarter step of n / (n + e), not one above it from rounding', () => {
    expect(warpsOf('x1^(-0.9)', 1)).toEqual([{ at: 'lower', power: 10 }]);
    expect(warpsOf('(1-x1)^(-0.8)', 1)).toEqual([{ at: 'upper', power: 5 }]);
    expect(warpsOf('x1^(-0.6)*x2^(-0.6)', 2)).toEqual([
      { at: 'lower', power: 2.5 },
      { at: 'lower', power: 2.5 },
    ]);
    expect(warpsOf('1/sum(x.^2)', 3)).toEqual(Array(3).fill({ at: 'lower', power: 3 }));
    // and rounds up between the steps: e = -0.85 needs p >= 6.67
    expect(warpsOf('x1^(-0.85)', 1)).toEqual([{ at: 'lower', power: 6.75 }]);
  });

  test("Watson's integral over [0, pi]^3: the corners where cos x1 cos x2 cos x3 = 1 bend every axis at both ends", () => {
    const p = buildProblem({ expression: '1/(pi^3*(1-cos(x1)*cos(x2)*cos(x3)))', dim: 3, bounds: [[0, Math.PI]] });
    for (const a of p.domain.axes) {
      expect(a.kind).toBe('linear');
      expect(a.warp?.at).toBe('both');
      expect(a.warp!.power).toBeGreaterThanOrEqual(2.75);
      expect(a.warp!.power).toBeLessThanOrEqual(3.25);
    }
  });

  test('a singularity stronger than the largest power can serve gets MAX_POWER', () => {
    // e = -0.99: p = 1/0.01 = 100 would be needed
    const [w] = warpsOf('x1^(-0.99)', 1);
    expect(w).toEqual({ at: 'lower', power: MAX_POWER });
  });

  test('an infinite axis: f ~ |x|^-1.2 on R folds onto both ends of u as u^-0.8', () => {
    const p = buildProblem({ expression: '1/(1+x1^2)^0.6', dim: 1, bounds: [[-Infinity, Infinity]], scale: [1] });
    expect(p.domain.axes[0].kind).toBe('tan');
    expect(p.domain.axes[0].warp?.at).toBe('both');
    expect(p.domain.axes[0].warp!.power).toBeGreaterThanOrEqual(4.5);
    expect(p.domain.axes[0].warp!.power).toBeLessThanOrEqual(5.5);
  });
});

describe('no power map', () => {
  test.each([
    ['a Gaussian in d = 4', 'exp(-sum((x-0.5).^2)/0.04)', 4],
    ['1 + x1', '1+x1', 1],
    ['x1^2 x2 (zero at a face, no singularity)', 'x1^2*x2', 2],
    ['a narrow peak at a face that is not a power law', 'exp(-x1/1e-6)*1e6', 1],
    ['log(x1) (a slope near 0)', 'log(x1)', 1],
    ['x1^(-0.2) (weights with finite variance)', 'x1^(-0.2)', 1],
  ])('%s', (_name, expression, dim) => {
    expect(warpsOf(expression as string, dim as number)).toEqual(Array(dim).fill(undefined));
    expect(probe(expression as string, dim as number).ends).toEqual([]);
  });

  test('@camel in d = 2', () => {
    const camel = resolveIntegrand('@camel', 2);
    const p = buildProblem({ expression: camel.expression, dim: 2, bounds: [[0, 1]], defaults: camel.defaults });
    expect(p.domain.warped).toBe(false);
    expect(p.domain.plain).toBe(true);
  });

  test("powerMap 'none' leaves a singular integrand unbent and runs no probe", () => {
    const p = buildProblem({ expression: 'x1^(-0.9)', dim: 1, bounds: [[0, 1]], powerMap: 'none' });
    expect(p.domain.axes).toEqual([{ kind: 'linear', origin: 0, scale: 1 }]);
    expect(p.domain.warped).toBe(false);
    expect(p.domain.pilotCalls).toBe(0);
  });
});

describe('the probe', () => {
  test('the maps do not depend on the seed', () => {
    for (const [expression, dim] of [
      ['x1^(-0.9)', 1],
      ['1/sum(x.^2)', 3],
      ['x1^(-0.6)*x2^(-0.6)', 2],
    ] as const) {
      const a = buildProblem({ expression, dim, bounds: [[0, 1]], seed: 1 });
      const b = buildProblem({ expression, dim, bounds: [[0, 1]], seed: 7 });
      expect(b.domain.axes).toEqual(a.domain.axes);
      expect(a.domain.warped).toBe(true);
    }
    // on an infinite axis the pilot's centre and scale follow the seed; the probe does not
    const inf = (seed: number) =>
      buildProblem({
        expression: 'x1^(-0.9)*exp(-x2^2)',
        dim: 2,
        bounds: [
          [0, 1],
          [-Infinity, Infinity],
        ],
        seed,
      });
    expect(inf(1).domain.axes[0]).toEqual(inf(7).domain.axes[0]);
  });

  test('its calls count in pilotCalls: 96 in d = 1, 384 in d = 2, 1248 in d = 3, on top of the pilot of infinite axes', () => {
    expect(probeCalls(1)).toBe(96);
    for (const [expression, dim] of [
      ['x1^(-0.9)', 1],
      ['1+x1', 1],
      ['x1^(-0.6)*x2^(-0.6)', 2],
      ['1/sum(x.^2)', 3],
      ['exp(-sum((x-0.5).^2)/0.04)', 4],
    ] as const) {
      expect(buildProblem({ expression, dim, bounds: [[0, 1]] }).domain.pilotCalls).toBe(probeCalls(dim));
      expect(probe(expression, dim).domain.pilotCalls).toBe(probeCalls(dim));
    }
    // no corners beyond d = 10: faces and edges only
    expect(probeCalls(12)).toBe(48 * (24 + 264));
    expect(buildProblem({ expression: 'x1', dim: 12, bounds: [[0, 1]] }).domain.pilotCalls).toBe(probeCalls(12));
    // an infinite axis: the pilot's 10000 calls and the probe's
    const p = buildProblem({ expression: 'exp(-x1^2)', dim: 1, bounds: [[-Infinity, Infinity]] });
    expect(p.domain.pilotCalls).toBe(10000 + probeCalls(1));
    // singularityMaps adds to the calls the domain already has
    const given = new DomainMap([defaultAxisMap(0, 1)], 500);
    expect(singularityMaps(given, compileIntegrand('x1', { dim: 1, params: {} })).domain.pilotCalls).toBe(500 + 96);
  });

  test('a domain without a singular end comes back with its maps unchanged', () => {
    const axes = [defaultAxisMap(0, 2), defaultAxisMap(-Infinity, 1, 3)];
    const out = singularityMaps(new DomainMap(axes), compileIntegrand('exp(-x1 + x2)', { dim: 2, params: {} }));
    expect(out.domain.axes).toEqual(axes);
    expect(out.ends).toEqual([]);
  });
});
