import {
  accumulate,
  chi2OfIterations,
  effectiveSampleSize,
  emptyMoments,
  expectationEstimate,
  integralEstimate,
  mergeMoments,
  ratioEstimate,
  setStratifiedVariance,
  unweightingEfficiency,
} from '../../src/estimate/stats';
import { gammaQ, logGamma } from '../../src/integrand/special';
import { Rng } from '../../src/rng';

function sample(n: number, seed: number) {
  const rng = new Rng(seed);
  const x = new Float64Array(n * 2);
  rng.fill(x);
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = 3 * x[2 * i] * x[2 * i]; // f = 3 x1^2 on [0,1]^2: F = 1
  const hit = new Uint8Array(n);
  for (let i = 0; i < n; i++) hit[i] = x[2 * i] > 0.5 ? 1 : 0;
  return { x, w, hit };
}

describe('moments and estimates', () => {
  test('integral and sdev match a direct two-pass computation', () => {
    const { x, w, hit } = sample(5000, 7);
    const m = emptyMoments(2, 1);
    accumulate(m, w, x, 5000, [hit]);
    let mean = 0;
    for (const v of w) mean += v;
    mean /= w.length;
    let v2 = 0;
    for (const v of w) v2 += (v - mean) ** 2;
    const sd = Math.sqrt(v2 / (w.length - 1) / w.length);
    const e = integralEstimate(m);
    expect(e.mean).toBeCloseTo(mean, 14);
    expect(e.sdev / sd).toBeCloseTo(1, 10);
  });

  test('E_p[x1] and P_p(x1 > 0.5) are close to the exact values (p = 3 x1^2)', () => {
    const { x, w, hit } = sample(200000, 11);
    const m = emptyMoments(2, 1);
    accumulate(m, w, x, 200000, [hit]);
    const ex1 = expectationEstimate(m, m.coords[0]); // exact 3/4
    const ex2 = expectationEstimate(m, m.coords[1]); // exact 1/2
    const pa = expectationEstimate(m, m.events[0]); // exact 1 - 1/8 = 7/8
    expect(Math.abs(ex1.mean - 0.75)).toBeLessThan(4 * ex1.sdev);
    expect(Math.abs(ex2.mean - 0.5)).toBeLessThan(4 * ex2.sdev);
    expect(Math.abs(pa.mean - 0.875)).toBeLessThan(4 * pa.sdev);
    expect(ex1.sdev).toBeGreaterThan(0);
  });

  test('delta-method error matches the spread over repeated experiments', () => {
    const means: number[] = [];
    const sds: number[] = [];
    for (let s = 0; s < 200; s++) {
      const { x, w } = sample(400, 100 + s);
      const m = emptyMoments(2, 0);
      accumulate(m, w, x, 400);
      const e = expectationEstimate(m, m.coords[0]);
      means.push(e.mean);
      sds.push(e.sdev);
    }
    const avg = means.reduce((a, b) => a + b) / means.length;
    const spread = Math.sqrt(means.reduce((a, b) => a + (b - avg) ** 2, 0) / (means.length - 1));
    const meanSd = sds.reduce((a, b) => a + b) / sds.length;
    expect(meanSd / spread).toBeGreaterThan(0.8);
    expect(meanSd / spread).toBeLessThan(1.25);
  });

  test('merging chunks equals accumulating the pooled samples', () => {
    const { x, w, hit } = sample(3000, 5);
    const whole = emptyMoments(2, 1);
    accumulate(whole, w, x, 3000, [hit]);
    const a = emptyMoments(2, 1);
    accumulate(a, w.subarray(0, 1000), x.subarray(0, 2000), 1000, [hit.subarray(0, 1000)]);
    const b = emptyMoments(2, 1);
    accumulate(b, w.subarray(1000), x.subarray(2000), 2000, [hit.subarray(1000)]);
    const merged = mergeMoments(a, b);
    expect(merged.n).toBe(3000);
    expect(merged.sumW).toBeCloseTo(whole.sumW, 9);
    expect(merged.events[0].s1).toBeCloseTo(whole.events[0].s1, 9);
    expect(merged.maxAbsW).toBe(whole.maxAbsW);
  });

  test('ESS and unweighting efficiency of constant and skewed weights', () => {
    const m = emptyMoments(1, 0);
    accumulate(m, new Float64Array([2, 2, 2, 2]), new Float64Array(4), 4);
    expect(effectiveSampleSize(m)).toBeCloseTo(4, 12);
    expect(unweightingEfficiency(m)).toBeCloseTo(1, 12);
    const s = emptyMoments(1, 0);
    accumulate(s, new Float64Array([1, 0, 0, 0]), new Float64Array(4), 4);
    expect(effectiveSampleSize(s)).toBeCloseTo(1, 12);
    expect(unweightingEfficiency(s)).toBeCloseTo(0.25, 12);
  });

  test('ratio of a zero denominator is NaN, never a silent number', () => {
    expect(Number.isNaN(ratioEstimate(10, 1, 1, 1, 0, 0).mean)).toBe(true);
  });
});

describe('chi2 and Q', () => {
  test('logGamma at integers and halves', () => {
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 12);
  });
  test('gammaQ equals known chi2 tail probabilities', () => {
    // P(chi2_1 > 3.841459) = 0.05; P(chi2_10 > 18.307) = 0.05; chi2_2 tail = exp(-x/2)
    expect(gammaQ(0.5, 3.841459 / 2)).toBeCloseTo(0.05, 6);
    expect(gammaQ(5, 18.307038 / 2)).toBeCloseTo(0.05, 6);
    expect(gammaQ(1, 1.7)).toBeCloseTo(Math.exp(-1.7), 12);
    expect(gammaQ(3, 0)).toBe(1);
  });
  test('consistent iterations give chi2 ~ dof, inconsistent ones a tiny Q', () => {
    const ok = chi2OfIterations([
      { mean: 1.0, sdev: 0.1 },
      { mean: 1.05, sdev: 0.1 },
      { mean: 0.97, sdev: 0.1 },
    ]);
    expect(ok.dof).toBe(2);
    expect(ok.Q).toBeGreaterThan(0.5);
    const bad = chi2OfIterations([
      { mean: 1.0, sdev: 0.01 },
      { mean: 1.2, sdev: 0.01 },
    ]);
    expect(bad.Q).toBeLessThan(1e-10);
  });
});

describe('scaled sums', () => {
  test.each([1e300, 1e-300, 1])('weights of size %p give the same relative estimates', (size) => {
    const { x, w } = sample(2000, 9);
    const ref = emptyMoments(2, 0);
    accumulate(ref, w, x, 2000);
    const big = emptyMoments(2, 0);
    const ws = w.map((v) => v * size);
    accumulate(big, ws.subarray(0, 1000), x.subarray(0, 2000), 1000);
    accumulate(big, ws.subarray(1000), x.subarray(2000), 1000);
    const a = integralEstimate(ref);
    const b = integralEstimate(big);
    expect(b.mean / size / a.mean).toBeCloseTo(1, 10);
    expect(b.sdev / size / a.sdev).toBeCloseTo(1, 8);
    expect(effectiveSampleSize(big)).toBeCloseTo(effectiveSampleSize(ref), 6);
  });
  test('merging moments of very different scales (including an empty side) is exact', () => {
    const { x, w } = sample(1000, 4);
    const small = emptyMoments(2, 0);
    accumulate(
      small,
      w.map((v) => v * 1e-300),
      x,
      1000,
    );
    const merged = mergeMoments(emptyMoments(2, 0), small);
    expect(integralEstimate(merged)).toEqual(integralEstimate(small));
    const big = emptyMoments(2, 0);
    accumulate(
      big,
      w.map((v) => v * 1e10),
      x,
      1000,
    );
    const both = mergeMoments(small, big);
    expect(integralEstimate(both).mean / (integralEstimate(big).mean / 2)).toBeCloseTo(1, 10);
  });
});

describe('stratified variance (varSumW)', () => {
  test('integralEstimate takes the sdev from varSumW; setStratifiedVariance converts units', () => {
    const { x, w } = sample(1000, 5);
    const m = emptyMoments(2, 0);
    accumulate(
      m,
      w.map((v) => v * 1e200),
      x,
      1000,
    );
    const iid = integralEstimate(m);
    // Var(sum w) = 250 in units of (4 x m.scale)^2 (the sampler's own unit)
    const unit = 4 * m.scale;
    setStratifiedVariance(m, { varSumW: 250, scale: unit });
    const e = integralEstimate(m);
    expect(e.mean).toBe(iid.mean);
    expect(e.sdev / ((Math.sqrt(250) * unit) / 1000)).toBeCloseTo(1, 12);
  });

  test('varSumW adds under merge; an iid side contributes n/(n-1) (S2 - S1^2/n)', () => {
    const a = sample(500, 1);
    const b = sample(700, 2);
    const ma = emptyMoments(2, 0);
    const mb = emptyMoments(2, 0);
    accumulate(ma, a.w, a.x, 500);
    accumulate(mb, b.w, b.x, 700);
    setStratifiedVariance(ma, { varSumW: 3 });
    setStratifiedVariance(mb, { varSumW: 5 });
    const both = mergeMoments(ma, mb);
    expect(both.varSumW! * both.scale * both.scale).toBeCloseTo(8, 10);
    expect(integralEstimate(both).sdev).toBeCloseTo(Math.sqrt(8) / 1200, 12);
    // with an iid part: its Var(sum w) is n times its sample variance
    const mc = emptyMoments(2, 0);
    accumulate(mc, b.w, b.x, 700);
    const mixed = mergeMoments(ma, mc);
    const iid = integralEstimate(mc).sdev * 700; // sqrt(Var(sum w))
    expect(mixed.varSumW! * mixed.scale * mixed.scale).toBeCloseTo(3 + iid * iid, 8);
    // neither side stratified: no field
    expect(mergeMoments(mc, mc).varSumW).toBeUndefined();
    expect(mergeMoments(emptyMoments(2, 0), ma).varSumW! * ma.scale * ma.scale).toBeCloseTo(3, 12);
  });

  test('varSumW follows a change of scale (merge of very different sizes, or a much larger chunk)', () => {
    const { x, w } = sample(1000, 4);
    const small = emptyMoments(2, 0);
    accumulate(small, w, x, 1000);
    setStratifiedVariance(small, { varSumW: 7 });
    const big = emptyMoments(2, 0);
    accumulate(
      big,
      w.map((v) => v * 2 ** 400),
      x,
      1000,
    );
    setStratifiedVariance(big, { varSumW: 9 * 2 ** 800 });
    const both = mergeMoments(small, big);
    expect(both.scale).toBe(big.scale);
    expect((both.varSumW! * both.scale * both.scale) / 2 ** 800).toBeCloseTo(9, 10);
    // accumulate raises the scale of moments that already carry varSumW
    const m = emptyMoments(2, 0);
    accumulate(m, w, x, 1000);
    setStratifiedVariance(m, { varSumW: 11 });
    accumulate(
      m,
      w.map((v) => v * 2 ** 350),
      x,
      1000,
    );
    expect(m.scale).toBeGreaterThan(2 ** 300);
    expect(m.varSumW! * m.scale * m.scale).toBeCloseTo(11, 10);
  });
});
