/** Float64 reference splines: identity, monotonicity, inverse, log-det and normalisation. */
import { prepareReference, referenceParamCount, referenceSplines } from './reference';
import { kinds, randomRaw, randomUnit } from './helpers';

const bins = 8;

describe.each(kinds)('reference %s', (kind) => {
  const p = referenceParamCount(kind, bins);
  const splines = [0.5, 1, 2.5].map((scale, i) => prepareReference[kind](randomRaw(p, scale, 100 + i), bins));

  test('zero parameters give the identity', () => {
    const zero = new Array<number>(p).fill(0);
    let err = 0;
    for (const z of [0, 1e-30, 0.1, 0.125, 0.37, 0.5, 0.875, 0.999, 1]) {
      for (const inverse of [false, true]) {
        const r = referenceSplines[kind](z, zero, bins, inverse);
        err = Math.max(err, Math.abs(r.y - z), Math.abs(r.logAbsDet));
      }
    }
    expect(err).toBeLessThan(1e-13);
  });

  test('endpoints are fixed and the map is strictly increasing', () => {
    for (const spline of splines) {
      for (const inverse of [false, true]) {
        expect(spline.apply(0, inverse).y).toBe(0);
        expect(Math.abs(spline.apply(1, inverse).y - 1)).toBeLessThan(1e-15);
        let minStep = Infinity;
        let prev = spline.apply(0, inverse).y;
        for (let i = 1; i <= 4000; i++) {
          const y = spline.apply(i / 4000, inverse).y;
          minStep = Math.min(minStep, y - prev);
          prev = y;
        }
        expect(minStep).toBeGreaterThan(0);
      }
    }
  });

  test('the inverse undoes the forward map and negates its log-det', () => {
    const zs = randomUnit(500, 5);
    let errY = 0;
    let errLog = 0;
    for (const spline of splines) {
      for (const z of zs) {
        const f = spline.apply(z, false);
        const b = spline.apply(f.y, true);
        errY = Math.max(errY, Math.abs(b.y - z));
        errLog = Math.max(errLog, Math.abs(b.logAbsDet + f.logAbsDet));
      }
    }
    expect(errY).toBeLessThan(1e-12);
    expect(errLog).toBeLessThan(1e-10);
  });

  test('log-det equals the log of a central finite difference', () => {
    const h = 1e-6;
    const zs = randomUnit(200, 6).map((u) => 0.001 + 0.998 * u);
    let err = 0;
    let used = 0;
    for (const spline of splines) {
      for (const inverse of [false, true]) {
        for (const z of zs) {
          const slope = (spline.apply(z + h, inverse).y - spline.apply(z - h, inverse).y) / (2 * h);
          // the difference quotient has a rounding error of about 1e-16 / (h slope): skip the
          // points where that exceeds 1e-6 (only the logit couplings have slopes that small)
          if (!(slope > 1e-4)) continue;
          used++;
          err = Math.max(err, Math.abs(Math.log(slope) - spline.apply(z, inverse).logAbsDet));
        }
      }
    }
    expect(used).toBeGreaterThanOrEqual(0.9 * splines.length * 2 * zs.length);
    expect(err).toBeLessThan(1e-5);
  });

  test('the density exp(logAbsDet of the inverse) integrates to 1', () => {
    const cells = 50000;
    for (const spline of splines) {
      let integral = 0;
      for (let i = 0; i < cells; i++) integral += Math.exp(spline.apply((i + 0.5) / cells, true).logAbsDet);
      expect(Math.abs(integral / cells - 1)).toBeLessThan(1e-3);
    }
  });
});
