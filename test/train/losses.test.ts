import { lossTerms } from '../../src/train/losses';
import { temperingExponent } from '../../src/train/trainer';
import { lossKinds } from '../../src/options';

describe('loss terms', () => {
  test('a perfect flow (constant weights) has zero divergence and zero gradient coefficients', () => {
    const w = new Float64Array(100).fill(2.5);
    for (const kind of lossKinds) {
      const t = lossTerms(kind, w);
      expect(Math.abs(t.value)).toBeLessThan(1e-12);
      expect(t.mean).toBeCloseTo(2.5, 12);
      expect(t.relSdev).toBeCloseTo(0, 6);
      for (const c of t.coef) expect(Math.abs(c)).toBeLessThan(1e-6);
    }
  });
  test('variance loss equals the relative variance of the weights', () => {
    const w = new Float64Array([1, 3, 0, 4]);
    const t = lossTerms('variance', w);
    const mean = 2;
    const relVar = ((1 + 9 + 0 + 16) / 4 - mean * mean) / (mean * mean);
    expect(t.value).toBeCloseTo(relVar, 12);
    expect(t.relSdev).toBeCloseTo(Math.sqrt(relVar), 12);
  });
  test('KL and Hellinger values on a two-point example', () => {
    const w = new Float64Array([1, 3]); // r = 0.5, 1.5
    expect(lossTerms('kl', w).value).toBeCloseTo((0.5 * Math.log(0.5) + 1.5 * Math.log(1.5)) / 2, 12);
    expect(lossTerms('hellinger', w).value).toBeCloseTo(((Math.sqrt(0.5) - 1) ** 2 + (Math.sqrt(1.5) - 1) ** 2) / 2, 12);
    expect(lossTerms('exponential', w).value).toBeCloseTo((0.5 * Math.log(0.5) ** 2 + 1.5 * Math.log(1.5) ** 2) / 2, 12);
  });
  test('coefficients have zero mean (baseline) and push weight toward large-w points', () => {
    const w = new Float64Array([0.1, 0.2, 5]);
    for (const kind of lossKinds) {
      const t = lossTerms(kind, w);
      const sum = t.coef.reduce((a, b) => a + b, 0);
      expect(Math.abs(sum)).toBeLessThan(1e-5);
      expect(t.coef[2]).toBeGreaterThan(t.coef[0]);
    }
  });
  test('all-zero weights give a NaN loss that the trainer must handle', () => {
    expect(Number.isNaN(lossTerms('variance', new Float64Array(4)).value)).toBe(true);
  });
});

describe('tempering schedule', () => {
  test('beta rises linearly from the start value to 1 over the given fraction, then stays 1', () => {
    expect(temperingExponent(0, 100, 0.5, 0.1)).toBeCloseTo(0.1, 12);
    expect(temperingExponent(25, 100, 0.5, 0.1)).toBeCloseTo(0.55, 12);
    expect(temperingExponent(49, 100, 0.5, 0.1)).toBeLessThan(1);
    expect(temperingExponent(50, 100, 0.5, 0.1)).toBe(1);
    expect(temperingExponent(99, 100, 0.5, 0.1)).toBe(1);
  });
  test('off when the fraction is 0 or covers less than one epoch', () => {
    expect(temperingExponent(0, 100, 0, 0.1)).toBe(1);
    expect(temperingExponent(0, 10, 0.05, 0.1)).toBe(1);
  });
});
