import {
  figureOfMerit,
  geometricMean,
  makeRun,
  median,
  pull,
  pullStats,
  relativeError,
  rms,
  summarizeRuns,
  type RunRecord,
} from '../../src/bench/metrics';

const base = {
  calls: 1_000_000,
  trainCalls: 500_000,
  evalCalls: 500_000,
  unweightingEfficiency: 0.5,
  essFraction: 0.9,
  seconds: 10,
  trainSeconds: 8,
  warnings: [],
};

function run(seed: number, estimate: number, se: number, extra: Partial<RunRecord> = {}): RunRecord {
  return { ...makeRun({ ...base, seed, estimate, se }, 2), ...extra };
}

describe('figure of merit, pull, relative error', () => {
  test('FoM = (SE/exact)^2 x calls', () => {
    expect(figureOfMerit(0.01, 2, 1e6)).toBeCloseTo(25, 12);
    expect(figureOfMerit(1e-4, 0.5, 2.6e6)).toBeCloseTo(0.104, 12);
    expect(figureOfMerit(0.1, 0, 100)).toBeNull();
    expect(figureOfMerit(NaN, 1, 100)).toBeNull();
  });

  test('pull includes the uncertainty of the exact value', () => {
    expect(pull(1.03, 0.01, 1)).toBeCloseTo(3, 12);
    expect(pull(1.04, 0.03, 1, 0.04)).toBeCloseTo(0.8, 12);
    expect(pull(0.97, 0.01, 1)).toBeCloseTo(-3, 12);
    expect(pull(1, 0, 1)).toBe(0);
    expect(pull(1.1, 0, 1)).toBeNull();
    expect(pull(NaN, 0.1, 1)).toBeNull();
  });

  test('relative error, median, rms, geometric mean', () => {
    expect(relativeError(0.02, -4)).toBeCloseTo(0.005, 15);
    expect(relativeError(0.02, 0)).toBeNull();
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNull();
    expect(rms([3, -4])).toBeCloseTo(Math.sqrt(12.5), 14);
    expect(rms([])).toBeNull();
    expect(geometricMean([2, 8])).toBeCloseTo(4, 14);
    expect(geometricMean([0, -1, NaN])).toBeNull();
  });

  test('makeRun derives pull, relative error and FoM from the estimate', () => {
    const r = makeRun({ ...base, seed: 1, estimate: 2.002, se: 0.001 }, 2);
    expect(r.pull).toBeCloseTo(2, 9);
    expect(r.relError).toBeCloseTo(5e-4, 15);
    expect(r.fom).toBeCloseTo(0.25, 12);
  });
});

describe('summary over seeds', () => {
  test('inverse-variance combination, medians and pull RMS', () => {
    const runs = [run(1, 2.01, 0.01), run(2, 1.98, 0.02), run(3, 2.0, 0.01)];
    const s = summarizeRuns(runs, 2);
    // weights 1e4, 2.5e3, 1e4
    const w = [1e4, 2.5e3, 1e4];
    const mean = (w[0] * 2.01 + w[1] * 1.98 + w[2] * 2.0) / (w[0] + w[1] + w[2]);
    expect(s.runs).toBe(3);
    expect(s.estimate).toBeCloseTo(mean, 12);
    expect(s.se).toBeCloseTo(1 / Math.sqrt(22500), 12);
    expect(s.pull).toBeCloseTo((mean - 2) * Math.sqrt(22500), 9);
    expect(s.relError).toBeCloseTo(1 / Math.sqrt(22500) / 2, 12);
    // per-run FoM: (0.005)^2 1e6 = 25, (0.01)^2 1e6 = 100, 25 -> median 25
    expect(s.fom).toBeCloseTo(25, 9);
    // per-run pulls +1, -1, 0
    expect(s.pullRms).toBeCloseTo(Math.sqrt(2 / 3), 12);
    expect(s.maxAbsPull).toBeCloseTo(1, 12);
    expect(s.unweightingEfficiency).toBe(0.5);
    expect(s.seconds).toBe(10);
    expect(s.calls).toBe(1e6);
  });

  test('a run with zero error gives the plain mean and an undefined pull', () => {
    const s = summarizeRuns([run(1, 2.5, 0), run(2, 1.5, 0.1)], 2);
    expect(s.estimate).toBe(2);
    expect(s.se).toBe(0);
    expect(s.pull).toBe(0);
    const t = summarizeRuns([run(1, 2.5, 0)], 2);
    expect(t.pull).toBeNull();
  });

  test('no runs', () => {
    const s = summarizeRuns([], 2);
    expect(s.runs).toBe(0);
    expect(s.fom).toBeNull();
    expect(s.pullRms).toBeNull();
  });

  test('pull statistics over runs count alarms, undefined pulls included', () => {
    const p = pullStats([run(1, 2.05, 0.01), run(2, 2.0, 0.01), run(3, 2.5, 0), run(4, 1.99, 0.01)]);
    expect(p.n).toBe(4);
    expect(p.rms).toBeCloseTo(Math.sqrt((25 + 0 + 1) / 3), 9);
    expect(p.maxAbs).toBeCloseTo(5, 9);
    expect(p.alarms).toBe(2);
  });
});
