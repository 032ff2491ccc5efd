import { secondsToPrecision, TrainingPayoff, PAYOFF_WINDOW } from '../../src/stages/choice';
import type { EpochInfo } from '../../src/train/trainer';

function epoch(i: number, relVar: number, secondsPerStep: number): EpochInfo {
  return { epoch: i, epochs: 1000, loss: 0, integral: 1, sdev: 0, relSdev: Math.sqrt(relVar), lr: 1e-3, seconds: i * secondsPerStep };
}

describe('cost model of --method auto', () => {
  test('seconds to a precision: c v / r^2', () => {
    expect(secondsToPrecision({ relVariance: 2, secondsPerCall: 1e-6 }, 1e-8)).toBeCloseTo(200, 10);
    expect(secondsToPrecision({ relVariance: 0, secondsPerCall: 1e-6 }, 1e-8)).toBe(0);
    expect(secondsToPrecision({ relVariance: 1, secondsPerCall: 1e-6 }, 0)).toBe(Infinity);
  });

  test('training goes on while each second of it saves more than a second of sampling', () => {
    // c = 1e-5 s per call, r = 1e-4: S = 1000 v seconds; v halves every window of 1 s
    const rule = new TrainingPayoff(1e-5, 1e-8);
    let stop: string | null = null;
    for (let i = 1; i <= 8 * PAYOFF_WINDOW && stop === null; i++) {
      const v = 1 * 0.5 ** Math.floor((i - 1) / PAYOFF_WINDOW);
      stop = rule.observe(epoch(i, v, 0.1));
    }
    expect(stop).toBeNull();
  });

  test('a flat variance stops training after two windows without gain', () => {
    const rule = new TrainingPayoff(1e-5, 1e-8);
    let stoppedAt = 0;
    for (let i = 1; i <= 10 * PAYOFF_WINDOW; i++) {
      if (rule.observe(epoch(i, 0.2, 0.1)) !== null) {
        stoppedAt = i;
        break;
      }
    }
    expect(stoppedAt).toBe(3 * PAYOFF_WINDOW);
    expect(rule.recentRelVariance()).toBeCloseTo(0.2, 12);
  });

  test('a tiny remaining sampling time stops training although the variance still falls', () => {
    // r = 1e-2: S = 0.1 v seconds, far below the 1 s a window of training costs
    const rule = new TrainingPayoff(1e-5, 1e-4);
    let stop: string | null = null;
    for (let i = 1; i <= 10 * PAYOFF_WINDOW && stop === null; i++) stop = rule.observe(epoch(i, 0.5 ** (i / PAYOFF_WINDOW), 0.1));
    expect(stop).toMatch(/no longer pays/);
  });
});
