/**
 * The domain maps (src/domain.ts): values against their inverses, Jacobians against central
 * finite differences in float64, the clamp at u = 0 and 1, the finite box unchanged, the
 * pilot's choice of centre and scale, and the JSON form of infinite bounds.
 */
import {
  axisKind,
  decodeBounds,
  defaultAxisMap,
  DomainMap,
  encodeBounds,
  mapAxis,
  pilotAxisMaps,
  unmapAxis,
  U_EDGE,
  type AxisMap,
} from '../../src/domain';
import { compileIntegrand } from '../../src/integrand';
import { buildProblem } from '../../src/problem';

const maps: AxisMap[] = [
  { kind: 'linear', origin: -2, scale: 5 },
  { kind: 'upper', origin: 1, scale: 0.7 },
  { kind: 'lower', origin: -3, scale: 2.5 },
  { kind: 'tan', origin: 50, scale: 3 },
];
const us = [1e-9, 1e-4, 0.01, 0.2, 0.5, 0.7, 0.99, 1 - 1e-6];

describe('axis maps', () => {
  test('the kind follows the bounds', () => {
    expect(axisKind(0, 1)).toBe('linear');
    expect(axisKind(0, Infinity)).toBe('upper');
    expect(axisKind(-Infinity, 2)).toBe('lower');
    expect(axisKind(-Infinity, Infinity)).toBe('tan');
    expect(defaultAxisMap(-Infinity, 2, 4)).toEqual({ kind: 'lower', origin: 2, scale: 4 });
    expect(defaultAxisMap(-1, 3)).toEqual({ kind: 'linear', origin: -1, scale: 4 });
  });

  test.each(maps)('$kind: the inverse undoes the map, and x stays in the interval', (a) => {
    for (const u of us) {
      const { x } = mapAxis(a, u);
      expect(Number.isFinite(x)).toBe(true);
      expect(Math.abs(unmapAxis(a, x) - u)).toBeLessThan(1e-10);
      if (a.kind === 'upper') expect(x).toBeGreaterThanOrEqual(a.origin);
      if (a.kind === 'lower') expect(x).toBeLessThanOrEqual(a.origin);
    }
  });

  test.each(maps)('$kind: the Jacobian equals central finite differences', (a) => {
    for (const u of us.slice(1, -1)) {
      const h = 1e-6 * Math.min(u, 1 - u);
      const fd = (mapAxis(a, u + h).x - mapAxis(a, u - h).x) / (2 * h);
      expect(Math.abs(fd / mapAxis(a, u).jac - 1)).toBeLessThan(1e-6);
    }
  });

  test.each(maps.slice(1))('$kind: u = 0 and u = 1 give finite x and Jacobian (clamped to the RNG range)', (a) => {
    for (const u of [0, 1, Math.fround(1 - 1e-9), 1e-30]) {
      const r = mapAxis(a, u);
      expect(Number.isFinite(r.x)).toBe(true);
      expect(Number.isFinite(r.jac) && r.jac > 0).toBe(true);
    }
    expect(mapAxis(a, 0)).toEqual(mapAxis(a, U_EDGE));
    expect(mapAxis(a, 1)).toEqual(mapAxis(a, 1 - U_EDGE));
  });

  test('the tan map is the Cauchy inverse CDF: its Jacobian makes the Cauchy density flat', () => {
    const a: AxisMap = { kind: 'tan', origin: 0, scale: 1 };
    for (const u of us) {
      const { x, jac } = mapAxis(a, u);
      expect(Math.abs(jac / (Math.PI * (1 + x * x)) - 1)).toBeLessThan(1e-12);
    }
  });
});

describe('DomainMap', () => {
  test('a finite box gives x = lo + (hi - lo) u and the constant volume, as the linear map always did', () => {
    const bounds: [number, number][] = [
      [0, 2],
      [1, 3.5],
      [-0.25, 0.1],
    ];
    const dm = new DomainMap(bounds.map(([lo, hi]) => defaultAxisMap(lo, hi)));
    expect(dm.finite).toBe(true);
    const n = 5;
    const u = Float64Array.from({ length: n * 3 }, (_, i) => ((i * 0.37) % 1) + 1e-3);
    const x = new Float64Array(n * 3);
    const jac = new Float64Array(n);
    dm.toDomain(u, n, x, jac);
    const volume = bounds.reduce((v, [lo, hi]) => v * (hi - lo), 1);
    for (let i = 0; i < n; i++) {
      expect(jac[i]).toBe(volume);
      for (let k = 0; k < 3; k++) expect(x[i * 3 + k]).toBe(bounds[k][0] + (bounds[k][1] - bounds[k][0]) * u[i * 3 + k]);
    }
  });

  test('mixed axes: the Jacobian is the product of the axes, float32 edges give no NaN', () => {
    const dm = new DomainMap([maps[0], maps[3], maps[1]]);
    expect(dm.finite).toBe(false);
    expect(dm.volume).toBe(5);
    const u = Float32Array.from([0.3, 0, 1, 0.5, 1, 0]);
    const x = new Float64Array(6);
    const jac = new Float64Array(2);
    dm.toDomain(u, 2, x, jac);
    for (const v of [...x, ...jac]) expect(Number.isFinite(v)).toBe(true);
    const r = [mapAxis(maps[0], u[0]), mapAxis(maps[3], u[1]), mapAxis(maps[1], u[2])];
    expect(jac[0]).toBeCloseTo(r[0].jac * r[1].jac * r[2].jac, 0);
    expect(Math.abs(jac[0] / (r[0].jac * r[1].jac * r[2].jac) - 1)).toBeLessThan(1e-14);
  });
});

describe('pilot', () => {
  test('a Gaussian far from 0 moves the centre to its median and the scale to its half IQR', () => {
    const f = compileIntegrand('exp(-(x1-50)^2/18)', { dim: 1, params: {} });
    const dm = pilotAxisMaps([[-Infinity, Infinity]], f, 1);
    expect(dm.pilotCalls).toBe(10000);
    const [a] = dm.axes;
    expect(a.kind).toBe('tan');
    expect(Math.abs(a.origin - 50)).toBeLessThan(0.5);
    // half the interquartile range of a normal of width 3: 3 * 0.674
    expect(Math.abs(a.scale / (3 * 0.6745) - 1)).toBeLessThan(0.2);
  });

  test('a half-line takes the median distance from its end; finite boxes run no pilot', () => {
    const f = compileIntegrand('exp(-(x1-2)/4) * x2', { dim: 2, params: {} });
    const dm = pilotAxisMaps(
      [
        [2, Infinity],
        [0, 1],
      ],
      f,
      3,
    );
    expect(dm.axes[0].kind).toBe('upper');
    expect(Math.abs(dm.axes[0].scale / (4 * Math.LN2) - 1)).toBeLessThan(0.15);
    expect(dm.axes[1]).toEqual({ kind: 'linear', origin: 0, scale: 1 });
    expect(pilotAxisMaps([[0, 1]], f, 3).pilotCalls).toBe(0);
  });

  test('an integrand that is zero everywhere keeps the default maps', () => {
    const f = compileIntegrand('0*x1', { dim: 1, params: {} });
    expect(pilotAxisMaps([[-Infinity, 0]], f, 1).axes[0]).toEqual({ kind: 'lower', origin: 0, scale: 1 });
  });

  test('buildProblem: --scale numbers skip the pilot, saved maps are taken as they are', () => {
    const p = buildProblem({ expression: 'exp(-x1^2)', dim: 1, bounds: [[-Infinity, Infinity]], scale: [2] });
    expect(p.domain.axes[0]).toEqual({ kind: 'tan', origin: 0, scale: 2 });
    expect(p.domain.pilotCalls).toBe(0);
    const q = buildProblem({
      expression: 'exp(-x1^2)',
      dim: 1,
      bounds: [[-Infinity, Infinity]],
      maps: [{ kind: 'tan', origin: 1, scale: 3 }],
    });
    expect(q.domain.axes[0]).toEqual({ kind: 'tan', origin: 1, scale: 3 });
    expect(() => buildProblem({ expression: 'x1', dim: 1, bounds: [[0, Infinity]], maps: [{ kind: 'tan', origin: 1, scale: 3 }] })).toThrow(
      /maps/,
    );
    expect(() => buildProblem({ expression: 'x1', dim: 2, bounds: [[0, Infinity]], scale: [1, 2, 3] })).toThrow(
      /scale has 3 values but dim is 2/,
    );
  });
});

test('infinite bounds are written as "inf" / "-inf" in JSON and read back', () => {
  const b: [number, number][] = [
    [0, Infinity],
    [-Infinity, 2],
    [-Infinity, Infinity],
    [-1, 1],
  ];
  const json = JSON.parse(JSON.stringify(encodeBounds(b)));
  expect(json).toEqual([
    [0, 'inf'],
    ['-inf', 2],
    ['-inf', 'inf'],
    [-1, 1],
  ]);
  expect(decodeBounds(json)).toEqual(b);
});
