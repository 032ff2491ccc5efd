import { AdaptiveMap } from '../../src/vegas';
import { Rng } from '../../src/rng';

/** A map trained on a peak at (0.3, 0.7, 0.5) of width 0.05 (points uniform in y). */
function peakedMap(dim = 3, ninc = 200, iterations = 8): AdaptiveMap {
  const map = new AdaptiveMap(dim, ninc);
  const rng = new Rng(11);
  const n = 20000;
  const y = new Float64Array(n * dim);
  const x = new Float64Array(n * dim);
  const lj = new Float64Array(n);
  const f2 = new Float64Array(n);
  const centre = [0.3, 0.7, 0.5];
  for (let it = 0; it < iterations; it++) {
    rng.fill(y);
    map.forward(y, n, x, lj);
    for (let i = 0; i < n; i++) {
      let r2 = 0;
      for (let k = 0; k < dim; k++) r2 += (x[i * dim + k] - centre[k % 3]) ** 2;
      const fj = Math.exp(-r2 / 0.0025 + lj[i]);
      f2[i] = fj * fj;
    }
    map.addTrainingData(y, f2, n);
    map.adapt(1);
  }
  return map;
}

let cached: AdaptiveMap | undefined;
/** The default peaked map, trained once and shared by the tests that only read it. */
const sharedMap = (): AdaptiveMap => (cached ??= peakedMap());

describe('AdaptiveMap', () => {
  test('a new map is the identity with log-Jacobian 0', () => {
    const map = new AdaptiveMap(2, 10);
    const y = Float64Array.from([0, 0.05, 0.33, 0.999, 1, 0.5]);
    const x = new Float64Array(6);
    const lj = new Float64Array(3);
    map.forward(y, 3, x, lj);
    for (let i = 0; i < 6; i++) expect(x[i]).toBeCloseTo(y[i], 14);
    for (let i = 0; i < 3; i++) expect(Math.abs(lj[i])).toBeLessThan(1e-12);
  });

  test('adapting to a peak concentrates the increments there, edges stay increasing from 0 to 1', () => {
    const map = sharedMap();
    for (let k = 0; k < map.dim; k++) {
      const e = map.axisEdges(k);
      expect(e[0]).toBe(0);
      expect(e[map.ninc]).toBe(1);
      for (let i = 1; i <= map.ninc; i++) expect(e[i]).toBeGreaterThanOrEqual(e[i - 1]);
      // half of the increments lie within 0.1 of the peak
      const centre = [0.3, 0.7, 0.5][k];
      const inside = Array.from(e).filter((v) => Math.abs(v - centre) < 0.1).length;
      expect(inside).toBeGreaterThan(map.ninc / 2);
    }
  });

  test('forward and inverse are inverse maps with the same log-Jacobian', () => {
    const map = sharedMap();
    const n = 2000;
    const y = new Rng(3).fill(new Float64Array(n * 3)) as Float64Array;
    const x = new Float64Array(n * 3);
    const y2 = new Float64Array(n * 3);
    const ljF = new Float64Array(n);
    const ljI = new Float64Array(n);
    map.forward(y, n, x, ljF);
    map.inverse(x, n, y2, ljI);
    let worst = 0;
    for (let i = 0; i < n * 3; i++) worst = Math.max(worst, Math.abs(y2[i] - y[i]));
    expect(worst).toBeLessThan(1e-12);
    for (let i = 0; i < n; i++) expect(ljI[i]).toBeCloseTo(ljF[i], 9);
    // log density of the map is minus the log-Jacobian
    const ld = new Float64Array(n);
    map.logDensity(x, n, ld);
    for (let i = 0; i < n; i++) expect(ld[i]).toBeCloseTo(-ljF[i], 9);
  });

  test('the log-Jacobian matches central finite differences of the forward map; the Jacobian is diagonal', () => {
    const map = sharedMap();
    const rng = new Rng(5);
    const h = 1e-7;
    const x0 = new Float64Array(3);
    const xp = new Float64Array(3);
    const xm = new Float64Array(3);
    const lj = new Float64Array(1);
    const tmp = new Float64Array(1);
    let checked = 0;
    for (let trial = 0; trial < 300; trial++) {
      const y = Float64Array.from([rng.next(), rng.next(), rng.next()]);
      map.forward(y, 1, x0, lj);
      let logDet = 0;
      let sameIncrement = true;
      for (let k = 0; k < 3; k++) {
        const yp = y.slice();
        const ym = y.slice();
        yp[k] += h;
        ym[k] -= h;
        if (Math.floor(yp[k] * map.ninc) !== Math.floor(ym[k] * map.ninc)) sameIncrement = false;
        map.forward(yp, 1, xp, tmp);
        map.forward(ym, 1, xm, tmp);
        for (let j = 0; j < 3; j++) if (j !== k) expect(xp[j]).toBe(x0[j]);
        logDet += Math.log((xp[k] - xm[k]) / (2 * h));
      }
      if (!sameIncrement) continue; // the map is piecewise linear: no derivative at an edge
      expect(Math.abs(logDet - lj[0])).toBeLessThan(1e-5);
      checked++;
    }
    expect(checked).toBeGreaterThan(250);
  });

  test('the map is a bijection of the unit cube: its density integrates to 1', () => {
    const map = sharedMap();
    // E_uniform[q(u)] = integral of q = 1; q is peaked, so average over x = V(y) instead:
    // E_y[1 / (q(V(y)) |J(y)|)] = 1 exactly for a bijection (each term is 1)
    const n = 1000;
    const y = new Rng(9).fill(new Float64Array(n * 3)) as Float64Array;
    const x = new Float64Array(n * 3);
    const lj = new Float64Array(n);
    const ld = new Float64Array(n);
    map.forward(y, n, x, lj);
    map.logDensity(x, n, ld);
    for (let i = 0; i < n; i++) expect(ld[i] + lj[i]).toBeCloseTo(0, 9);
    // and plain uniform points: mean of q over the cube is 1 within its standard error
    const u = new Rng(10).fill(new Float64Array(200000 * 3)) as Float64Array;
    const q = new Float64Array(200000);
    map.logDensity(u, 200000, q);
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < q.length; i++) {
      const v = Math.exp(q[i]);
      s += v;
      s2 += v * v;
    }
    const mean = s / q.length;
    const se = Math.sqrt((s2 / q.length - mean * mean) / q.length);
    expect(Math.abs(mean - 1)).toBeLessThan(4 * se);
  });

  test('adapt without training data or with alpha 0 leaves the map unchanged', () => {
    const map = peakedMap(2, 50, 3);
    const before = map.edges.slice();
    map.adapt(0.5);
    expect(Array.from(map.edges)).toEqual(Array.from(before));
    map.addTrainingData(Float64Array.from([0.2, 0.2]), Float64Array.from([5]), 1);
    map.adapt(0);
    expect(Array.from(map.edges)).toEqual(Array.from(before));
  });

  test('toJSON / fromJSON round-trip the edges exactly; bad edges are rejected', () => {
    const map = peakedMap(2, 50, 3);
    const copy = AdaptiveMap.fromJSON(JSON.parse(JSON.stringify(map.toJSON())));
    expect(Array.from(copy.edges)).toEqual(Array.from(map.edges));
    expect(copy.ninc).toBe(50);
    expect(() => new AdaptiveMap(1, 2, [[0, 0.7, 0.5]])).toThrow(RangeError);
    expect(() => new AdaptiveMap(1, 2, [[0.1, 0.5, 1]])).toThrow(RangeError);
    expect(() => new AdaptiveMap(2, 2, [[0, 0.5, 1]])).toThrow(RangeError);
    expect(() => new AdaptiveMap(0, 2)).toThrow(RangeError);
  });

  test('the weighted mean of edge sets is a map between them', () => {
    const a = peakedMap(2, 20, 2);
    const b = peakedMap(2, 20, 5);
    const m = new AdaptiveMap(2, 20);
    m.setMeanEdges([a.edges, b.edges], [1, 3]);
    for (let c = 0; c < m.edges.length; c++) {
      expect(m.edges[c]).toBeCloseTo((a.edges[c] + 3 * b.edges[c]) / 4, 14);
    }
  });
});

describe('applyDensityFloor: floor and graded cliffs', () => {
  /** A map of N increments: `narrow` of width w on [0, narrow w], one increment over the rest. */
  function cliffMap(ninc: number, edge: number): AdaptiveMap {
    const e = Float64Array.from({ length: ninc + 1 }, (_, i) => (i < ninc ? (edge * i) / (ninc - 1) : 1));
    return new AdaptiveMap(1, ninc, [e]);
  }

  test('without a cliff the grading changes nothing (bit for bit the floor alone)', () => {
    const a = peakedMap();
    const b = peakedMap();
    a.applyDensityFloor(0.01);
    b.applyDensityFloor(0.01, 2, 32);
    for (let k = 0; k < 3; k++) expect(Array.from(b.axisEdges(k))).toEqual(Array.from(a.axisEdges(k)));
  });

  test('a cliff gets widths growing by about the grade, and the map stays a bijection with increasing edges', () => {
    const map = cliffMap(1000, 0.125);
    map.applyDensityFloor(0.01, 2, 32);
    const e = map.axisEdges(0);
    expect(e[0]).toBe(0);
    expect(e[1000]).toBe(1);
    const w = Array.from({ length: 1000 }, (_, i) => e[i + 1] - e[i]);
    expect(w.every((v) => v > 0)).toBe(true);
    // the increment that holds x = 0.125 + 1e-4 is now at most a few narrow widths wide
    const at = w.findIndex((_, i) => e[i + 1] > 0.125 + 1e-4);
    expect(w[at]).toBeLessThan(6 * (0.125 / 999));
    // from the cliff on, no increment is more than 3x its left neighbour (grade 2 on a piecewise-constant envelope)
    for (let i = at; i < 999; i++) expect(w[i + 1]).toBeLessThan(3 * w[i]);
    // the zero region [0.125, 1] costs the transition's few increments, plus the floor's 1%
    const beyond = w.filter((_, i) => e[i] >= 0.125).length;
    expect(beyond).toBeGreaterThan(10);
    expect(beyond).toBeLessThan(40);
  });

  test('without grading the floor alone leaves the increment at the cliff wide (the case the grading exists for)', () => {
    const map = cliffMap(1000, 0.125);
    map.applyDensityFloor(0.01);
    const e = map.axisEdges(0);
    const at = Array.from(e).findIndex((x) => x > 0.125 + 1e-4) - 1;
    expect(e[at + 1] - e[at]).toBeGreaterThan(0.05);
  });

  test('bad arguments are refused', () => {
    const map = cliffMap(10, 0.5);
    expect(() => map.applyDensityFloor(1)).toThrow(RangeError);
    expect(() => map.applyDensityFloor(0.01, 1)).toThrow(RangeError);
    expect(() => map.applyDensityFloor(0.01, 2, 1)).toThrow(RangeError);
    expect(() => map.applyDensityFloor(0.01, Infinity)).toThrow(RangeError);
  });
});
