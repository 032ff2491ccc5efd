/**
 * The domain maps (src/domain.ts): values against their inverses, Jacobians against central
 * finite differences in float64, the clamp at u = 0 and 1, the finite box unchanged, the
 * pilot's choice of centre and scale, the power maps at integrable singularities (v and 1 - v
 * near the bent end, the clamp off a bound, the Jacobian), and the JSON form of infinite bounds.
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
  unwarpAxis,
  U_EDGE,
  warpAxis,
  type AxisMap,
  type AxisWarp,
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

const warps: AxisWarp[] = (['lower', 'upper', 'both'] as const).flatMap((at) => [1.5, 3, 10].map((power) => ({ at, power })));
// axes with the origin at 0, where x keeps the relative precision of v near the lower end
const bentAxes: AxisMap[] = [
  { kind: 'linear', origin: 0, scale: 2 },
  { kind: 'upper', origin: 0, scale: 0.7 },
  { kind: 'tan', origin: 0, scale: 3 },
];
const warpCases = bentAxes.flatMap((a) =>
  warps.map((warp): [string, string, number, AxisMap] => [a.kind, warp.at, warp.power, { ...a, warp }]),
);
const warpUs = [1e-9, 1e-6, 1e-4, 0.01, 0.05, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.95, 0.99, 1 - 1e-4, 1 - 1e-6];

/**
 * df/du at u by the fourth-order central difference, with a step that is a power of 2 (u +- h
 * exact in float64) of about 1e-3 of the distance to the nearer end.
 */
function centralDifference(f: (u: number) => number, u: number): number {
  const h = 2 ** Math.floor(Math.log2(1e-3 * Math.min(u, 1 - u)));
  return (8 * (f(u + h) - f(u - h)) - (f(u + 2 * h) - f(u - 2 * h))) / (12 * h);
}

/** The u at which v and 1 - v of the warp both stay above 1e-6 (x there is well-conditioned in u). */
function wellConditioned(w: AxisWarp, u: number): boolean {
  const { v, vc } = warpAxis(w, u);
  return v > 1e-6 && vc > 1e-6;
}

describe('power maps', () => {
  test.each(warpCases)('%s axis, %s warp p = %d: the inverse undoes the map, x stays in the interval', (_kind, _at, _p, a) => {
    let checked = 0;
    for (const u of warpUs) {
      const { x, jac } = mapAxis(a, u);
      expect(Number.isFinite(x) && Number.isFinite(jac) && jac > 0).toBe(true);
      if (a.kind === 'linear') {
        expect(x).toBeGreaterThan(a.origin);
        expect(x).toBeLessThan(a.origin + a.scale);
      }
      if (a.kind === 'upper') expect(x).toBeGreaterThanOrEqual(a.origin);
      if (!wellConditioned(a.warp!, u)) continue;
      expect(Math.abs(unmapAxis(a, x) - u)).toBeLessThan(1e-9);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(5);
  });

  test.each(warpCases)('%s axis, %s warp p = %d: the Jacobian equals central finite differences', (_kind, _at, _p, a) => {
    let checked = 0;
    for (const u of warpUs) {
      if (!wellConditioned(a.warp!, u)) continue;
      expect(Math.abs(centralDifference((t) => mapAxis(a, t).x, u) / mapAxis(a, u).jac - 1)).toBeLessThan(1e-6);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(5);
  });

  test.each(warps)('$at warp p = $power: dv/du equals central finite differences, and the inverse undoes it', (w) => {
    for (const u of [1e-6, 1e-3, 0.01, 0.3, 0.5, 0.8, 0.99, 1 - 1e-3, 1 - 1e-6]) {
      const r = warpAxis(w, u);
      expect(r.v).toBeGreaterThan(0);
      expect(r.vc).toBeGreaterThan(0);
      expect(Math.abs(r.v + r.vc - 1)).toBeLessThan(1e-15);
      // differences of v where v is small, of 1 - v (from vc) where it is
      const f = r.v <= 0.5 ? (t: number) => warpAxis(w, t).v : (t: number) => -warpAxis(w, t).vc;
      expect(Math.abs(centralDifference(f, u) / r.dv - 1)).toBeLessThan(1e-6);
      if (wellConditioned(w, u)) expect(Math.abs(unwarpAxis(w, r.v) - u)).toBeLessThan(1e-9);
    }
    // the inverse keeps the relative precision of u at the lower end
    if (w.at !== 'upper') expect(Math.abs(unwarpAxis(w, warpAxis(w, 1e-6).v) / 1e-6 - 1)).toBeLessThan(1e-9);
  });

  test('v and 1 - v are accurate at the bent end, where 1 - v or v alone would round away', () => {
    const rel = (a: number, b: number) => Math.abs(a / b - 1);
    // lower p = 10 at u = 1e-3: v = 1e-30
    const lower = warpAxis({ at: 'lower', power: 10 }, 1e-3);
    expect(rel(lower.v, 1e-30)).toBeLessThan(1e-12);
    expect(lower.vc).toBe(1);
    expect(rel(lower.dv, 10 * 1e-27)).toBeLessThan(1e-12);
    // upper p = 10 at u = 1 - 2^-10 (1 - u exact): 1 - v = 2^-100, exactly
    const upper = warpAxis({ at: 'upper', power: 10 }, 1 - 2 ** -10);
    expect(upper.vc).toBe(2 ** -100);
    expect(upper.v).toBe(1);
    expect(rel(upper.dv, 10 * 2 ** -90)).toBeLessThan(1e-12);
    // and at u = 1 - 1e-3 to the relative precision of 1 - u
    expect(rel(warpAxis({ at: 'upper', power: 10 }, 1 - 1e-3).vc, 1e-30)).toBeLessThan(1e-11);
    // both ends: each side keeps its small part
    const both = { at: 'both', power: 4 } as const;
    expect(rel(warpAxis(both, 2 ** -20).v, 2 ** -80 / (2 ** -80 + (1 - 2 ** -20) ** 4))).toBeLessThan(1e-14);
    expect(rel(warpAxis(both, 1 - 2 ** -20).vc, 2 ** -80 / (2 ** -80 + (1 - 2 ** -20) ** 4))).toBeLessThan(1e-14);
    // the symmetric map is symmetric
    expect(warpAxis(both, 0.3).v).toBeCloseTo(warpAxis(both, 0.7).vc, 15);
    expect(warpAxis(both, 0.5).v).toBe(0.5);
    // power 1 is the identity
    for (const at of ['lower', 'upper', 'both'] as const) {
      const r = warpAxis({ at, power: 1 }, 0.3);
      expect(r.v).toBeCloseTo(0.3, 15);
      expect(r.dv).toBeCloseTo(1, 14);
    }
  });

  test('the bent end of a linear axis stays off a non-zero bound: [1, 2] with lower p = 10 at u = 1e-6 gives x = 1 + 2^-52', () => {
    const a: AxisMap = { kind: 'linear', origin: 1, scale: 1, warp: { at: 'lower', power: 10 } };
    const r = mapAxis(a, 1e-6);
    expect(r.x).toBe(1 + 2 ** -52);
    expect(r.x).toBeGreaterThan(1);
    expect(Number.isFinite(r.jac) && r.jac > 0).toBe(true);
    expect(Math.abs(r.jac / (10 * 1e-54) - 1)).toBeLessThan(1e-12);
    for (const u of [0, 1e-300, U_EDGE]) expect(mapAxis(a, u).x).toBe(1 + 2 ** -52);
    // the upper end of [1, 2] bent toward 2, and [-3, -1] bent at both ends
    const up: AxisMap = { kind: 'linear', origin: 1, scale: 1, warp: { at: 'upper', power: 10 } };
    expect(mapAxis(up, 1 - 1e-6).x).toBe(2 - 2 * 2 ** -52);
    expect(mapAxis(up, 1).x).toBeLessThan(2);
    const neg: AxisMap = { kind: 'linear', origin: -3, scale: 2, warp: { at: 'both', power: 10 } };
    expect(mapAxis(neg, 0).x).toBe(-3 + 3 * 2 ** -52);
    expect(mapAxis(neg, 1).x).toBe(-1 - 2 ** -52);
    // at a zero bound x keeps the relative precision of v = 1e-6^10
    const zero: AxisMap = { kind: 'linear', origin: 0, scale: 1, warp: { at: 'lower', power: 10 } };
    expect(Math.abs(mapAxis(zero, 1e-6).x / 1e-60 - 1)).toBeLessThan(1e-12);
    expect(mapAxis(zero, 0).x).toBeGreaterThan(0);
    // u^16 at the RNG's edge 2^-53 is 2^-848, still a normal float: x stays off a zero bound
    expect(mapAxis({ kind: 'linear', origin: -1, scale: 1, warp: { at: 'upper', power: 16 } }, 1).x).toBe(-(2 ** -848));
  });

  test('infinite axes bent at their ends: finite x and Jacobian at u = 0 and 1', () => {
    for (const a of bentAxes.slice(1)) {
      for (const warp of warps) {
        for (const u of [0, 1, 1e-30, 1 - 1e-16]) {
          const r = mapAxis({ ...a, warp }, u);
          expect(Number.isFinite(r.x)).toBe(true);
          expect(Number.isFinite(r.jac) && r.jac > 0).toBe(true);
        }
      }
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

describe('DomainMap with power maps', () => {
  const axes: AxisMap[] = [
    { kind: 'linear', origin: 1, scale: 2, warp: { at: 'lower', power: 10 } },
    { kind: 'linear', origin: -1, scale: 0.5 },
    { kind: 'tan', origin: 3, scale: 2, warp: { at: 'both', power: 3 } },
    { kind: 'upper', origin: 0, scale: 1, warp: { at: 'upper', power: 1.5 } },
    { kind: 'linear', origin: 0, scale: 4, warp: { at: 'upper', power: 5 } },
  ];

  test('warped, plain and finite; the volume counts only the unbent linear axes', () => {
    const dm = new DomainMap(axes, 123);
    expect(dm.warped).toBe(true);
    expect(dm.finite).toBe(false);
    expect(dm.plain).toBe(false);
    expect(dm.volume).toBe(0.5);
    const box = new DomainMap([axes[0], axes[1]]);
    expect(box.finite).toBe(true);
    expect(box.warped).toBe(true);
    expect(box.plain).toBe(false);
    expect(box.volume).toBe(0.5);
    const unbent = new DomainMap([axes[1], { kind: 'linear', origin: 0, scale: 3 }]);
    expect(unbent.warped).toBe(false);
    expect(unbent.plain).toBe(true);
    expect(unbent.volume).toBe(1.5);
    const infinite = new DomainMap([axes[1], { kind: 'tan', origin: 0, scale: 1 }]);
    expect(infinite.warped).toBe(false);
    expect(infinite.plain).toBe(false);
  });

  test('withoutWarps drops the power maps and keeps the axis maps and the pilot calls', () => {
    const dm = new DomainMap(axes, 123);
    const flat = dm.withoutWarps();
    expect(flat.axes).toEqual(axes.map(({ kind, origin, scale }) => ({ kind, origin, scale })));
    for (const a of flat.axes) expect('warp' in a).toBe(false);
    expect(flat.warped).toBe(false);
    expect(flat.pilotCalls).toBe(123);
    expect(flat.volume).toBe(0.5 * 2 * 4);
    // the original keeps its warps
    expect(dm.axes[0].warp).toEqual({ at: 'lower', power: 10 });
    const unbent = new DomainMap([axes[1]], 7);
    expect(unbent.withoutWarps()).toBe(unbent);
  });

  test('toDomain of a bent map: each x is its axis map, the Jacobian the product of the axes', () => {
    const dm = new DomainMap(axes);
    const d = axes.length;
    const n = 7;
    const u = Float64Array.from({ length: n * d }, (_, i) => [1e-7, 0.02, 0.3, 0.5, 0.71, 0.98, 1 - 1e-7][i % n]);
    const x = new Float64Array(n * d);
    const jac = new Float64Array(n);
    dm.toDomain(u, n, x, jac);
    for (let i = 0; i < n; i++) {
      let product = 1;
      for (let k = 0; k < d; k++) {
        const r = mapAxis(axes[k], u[i * d + k]);
        expect(x[i * d + k]).toBe(r.x);
        product *= r.jac;
      }
      expect(Number.isFinite(jac[i]) && jac[i] > 0).toBe(true);
      expect(Math.abs(jac[i] / product - 1)).toBeLessThan(1e-14);
    }
    // u = 0 and 1 (float32 too) are clamped: finite x and Jacobian, x off the finite bounds
    const edge = Float32Array.from({ length: 2 * d }, (_, i) => (i < d ? 0 : 1));
    dm.toDomain(edge, 2, x, jac);
    for (const v of [...x.subarray(0, 2 * d), ...jac.subarray(0, 2)]) expect(Number.isFinite(v)).toBe(true);
    expect(x[0]).toBeGreaterThan(1);
    expect(x[d + 4]).toBeLessThan(4);
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
    const p = buildProblem({ expression: 'exp(-x1^2)', dim: 1, bounds: [[-Infinity, Infinity]], scale: [2], powerMap: 'none' });
    expect(p.domain.axes[0]).toEqual({ kind: 'tan', origin: 0, scale: 2 });
    expect(p.domain.pilotCalls).toBe(0);
    // by default the singularity probe runs (3 depths x 16 points at each of the 2 ends: 96 calls)
    // and finds nothing to bend in a smooth integrand
    const probed = buildProblem({ expression: 'exp(-x1^2)', dim: 1, bounds: [[-Infinity, Infinity]], scale: [2] });
    expect(probed.domain.axes[0]).toEqual({ kind: 'tan', origin: 0, scale: 2 });
    expect(probed.domain.warped).toBe(false);
    expect(probed.domain.pilotCalls).toBe(96);
    const q = buildProblem({
      expression: 'exp(-x1^2)',
      dim: 1,
      bounds: [[-Infinity, Infinity]],
      maps: [{ kind: 'tan', origin: 1, scale: 3 }],
    });
    expect(q.domain.axes[0]).toEqual({ kind: 'tan', origin: 1, scale: 3 });
    expect(q.domain.pilotCalls).toBe(0);
    // given maps are not probed: a singular integrand keeps the maps a model was trained under
    const plain = buildProblem({ expression: 'x1^(-0.9)', dim: 1, bounds: [[0, 1]], maps: [{ kind: 'linear', origin: 0, scale: 1 }] });
    expect(plain.domain.axes).toEqual([{ kind: 'linear', origin: 0, scale: 1 }]);
    expect(plain.domain.pilotCalls).toBe(0);
    const bent: AxisMap = { kind: 'linear', origin: 0, scale: 1, warp: { at: 'upper', power: 2 } };
    const given = buildProblem({ expression: 'x1^(-0.9)', dim: 1, bounds: [[0, 1]], maps: [bent] });
    expect(given.domain.axes).toEqual([bent]);
    expect(given.domain.pilotCalls).toBe(0);
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
