/**
 * Training on a sparse integrand: an all-zero batch after non-zero ones is noise, not
 * divergence; only a run of zero batches too long for the non-zero rate seen so far is.
 */
import { zeroRunIsDivergence } from '../../src/train/trainer';
import { resultSchema } from '../../src/report/schema';
import { run } from '../cli/helpers';

describe('telling noise from divergence', () => {
  test('one zero batch is divergence only when non-zero values were the rule', () => {
    // every point non-zero so far: a zero batch cannot be chance
    expect(zeroRunIsDivergence(1, 1000, 5000, 5000)).toBe(true);
    // about 2 non-zero values per batch of 1000: P(zero batch) = 0.998^1000 = 0.135
    expect(zeroRunIsDivergence(1, 1000, 10, 5000)).toBe(false);
    expect(zeroRunIsDivergence(5, 1000, 10, 5000)).toBe(false);
    // seven in a row: 0.135^7 = 1.3e-6 ... eight: 1.8e-7 < 1e-6
    expect(zeroRunIsDivergence(8, 1000, 10, 5000)).toBe(true);
    // nothing non-zero seen: no support, nothing to diverge from
    expect(zeroRunIsDivergence(50, 1000, 0, 50000)).toBe(false);
    expect(zeroRunIsDivergence(0, 1000, 10, 5000)).toBe(false);
  });

  test('a 0.2% indicator trains through its zero batches (seed 2)', () => {
    const r = run([
      'integrate',
      '(x1 < 0.002) ? 1 : 0',
      '--dim',
      '2',
      '--method',
      'flow',
      '--premap',
      'none',
      '--seed',
      '2',
      '--epochs',
      '40',
      '-n',
      '2000',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const doc = resultSchema.parse(JSON.parse(r.stdout));
    expect(doc.training?.stopReason).toBeNull();
    expect(doc.training?.epochs).toBe(40);
    expect(r.stderr).not.toMatch(/diverged|stopped sampling/);
    expect(r.stderr).toMatch(/saw only zeros of the integrand and were skipped/);
    expect(Math.abs(doc.estimate.integral.mean - 0.002)).toBeLessThan(4 * doc.estimate.integral.sdev);
  });
});
