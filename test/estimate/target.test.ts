import { runUniform } from '../../src/estimate/evaluate';
import { integralEstimate, mergeMoments, emptyMoments, type Moments } from '../../src/estimate/stats';
import { errorSought, MIN_TARGET_CALLS, sampleToTarget } from '../../src/estimate/target';
import { buildProblem } from '../../src/problem';
import { Rng } from '../../src/rng';

const problem = buildProblem({ expression: 'exp(-((x1-0.5)^2+(x2-0.5)^2)/0.1)', dim: 2 });
// exact: (sqrt(0.1 pi) erf(0.5/sqrt(0.1)))^2
const exact = 0.29843491843690495;

function pooled(rounds: Moments[]): Moments {
  return rounds.reduce((a, b) => mergeMoments(a, b), emptyMoments(2, 0));
}

describe('sampleToTarget', () => {
  test('stops once SE <= rel |F|, with honest error', async () => {
    const rng = new Rng(5, 3);
    const out = await sampleToTarget((n, m) => runUniform(problem, n, rng, m, 'error'), {
      target: { relError: 2e-3 },
      caps: { maxCalls: 1e8, seconds: Infinity },
      dim: 2,
      events: 0,
      relVariance: null,
      scale: null,
      secondsPerCall: null,
    });
    const e = integralEstimate(pooled(out.rounds));
    expect(out.reached).toBe(true);
    expect(out.stopReason).toBe('target reached');
    expect(e.sdev).toBeLessThanOrEqual(2e-3 * Math.abs(e.mean));
    expect(e.sdev).toBeGreaterThan(0.5 * 2e-3 * Math.abs(e.mean)); // no large overshoot
    expect(pooled(out.rounds).n).toBeGreaterThanOrEqual(MIN_TARGET_CALLS);
    expect(Math.abs(e.mean - exact)).toBeLessThan(4 * e.sdev);
    expect(out.rounds.length).toBeGreaterThan(1);
  });

  test('a prior variance sizes the first round (half of the prediction)', async () => {
    const rng = new Rng(6, 3);
    const sizes: number[] = [];
    await sampleToTarget(
      (n, m) => {
        sizes.push(n);
        return runUniform(problem, n, rng, m, 'error');
      },
      {
        target: { relError: 1e-3 },
        caps: { maxCalls: 1e8, seconds: Infinity },
        dim: 2,
        events: 0,
        relVariance: 0.9,
        scale: 0.3,
        secondsPerCall: null,
      },
    );
    expect(sizes[0]).toBe(Math.ceil((0.5 * 0.9) / 1e-6));
  });

  test('the calls cap ends the run unreached, with the calls the target needs', async () => {
    const rng = new Rng(7, 3);
    const out = await sampleToTarget((n, m) => runUniform(problem, n, rng, m, 'error'), {
      target: { relError: 1e-5 },
      caps: { maxCalls: 50_000, seconds: Infinity },
      dim: 2,
      events: 0,
      relVariance: null,
      scale: null,
      secondsPerCall: null,
    });
    const total = pooled(out.rounds).n;
    expect(out.reached).toBe(false);
    expect(out.stopReason).toBe('max calls');
    expect(total).toBe(50_000);
    // relative variance of this integrand is about 0.6: about 0.6 / 1e-10 calls
    expect(out.callsNeeded!).toBeGreaterThan(3e9);
    expect(out.callsNeeded!).toBeLessThan(3e10);
  });

  test('an absolute target is the looser of the two', () => {
    expect(errorSought({ relError: 1e-3, absError: 1e-2 }, 2)).toBe(1e-2);
    expect(errorSought({ relError: 1e-2, absError: 1e-3 }, 2)).toBe(2e-2);
    expect(errorSought({ absError: 1e-3 }, -5)).toBe(1e-3);
  });
});
