/**
 * Accuracy targets, VEGAS and the auto method through the command line: the estimate stops at
 * the target with an honest error, the report says what was asked and reached, and a run that
 * never trains does not load TensorFlow.js.
 */
import { resultSchema, type IntegrationResult } from '../../src/report/schema';
import { runAsync } from './helpers';

// camel in d = 4 (the i-flow paper's), exact value from erf
const CAMEL4 = '0.5*(0.2*sqrt(pi))^(-4) * (exp(-sum((x - 1/3).^2) / 0.2^2) + exp(-sum((x - 2/3).^2) / 0.2^2))';
const camelExact = 0.9636569684023221;

function parse(r: { code: number | null; stdout: string; stderr: string }): IntegrationResult {
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr}`);
  return resultSchema.parse(JSON.parse(r.stdout));
}

describe('integrate --rel-error', () => {
  let auto: IntegrationResult;
  let vegas: IntegrationResult;
  let uniform: IntegrationResult;
  let capped: IntegrationResult;
  let cappedErr: string;
  let text: string;
  let timed: { code: number | null; stdout: string; stderr: string };

  beforeAll(async () => {
    const runs = await Promise.all([
      runAsync(['integrate', CAMEL4, '--dim', '4', '--rel-error', '2e-3', '--seed', '3', '--json']),
      runAsync(['integrate', CAMEL4, '--dim', '4', '--method', 'vegas', '--rel-error', '2e-3', '--seed', '4', '--no-baseline', '--json']),
      runAsync(['integrate', 'x1*x2', '--dim', '2', '--method', 'uniform', '--abs-error', '1e-3', '--seed', '5', '--json']),
      runAsync(['integrate', CAMEL4, '--dim', '4', '--method', 'uniform', '--rel-error', '1e-4', '--max-calls', '30000', '--json']),
      runAsync(['integrate', CAMEL4, '--dim', '4', '--rel-error', '2e-3', '--seed', '3']),
      runAsync(['integrate', CAMEL4, '--dim', '4', '--method', 'uniform', '--rel-error', '1e-6', '--max-time', '1.5', '--json']),
    ]);
    timed = runs[5];
    [auto, vegas, uniform, capped] = runs.slice(0, 4).map(parse);
    cappedErr = runs[3].stderr;
    text = runs[4].stdout;
  }, 300000);

  test('auto on an easy integrand: the VEGAS map alone, without TensorFlow.js, SE at the target', () => {
    expect(auto.method).toBe('vegas');
    expect(auto.backend).toBeNull();
    expect(auto.training).toBeNull();
    expect(auto.choice!.sampler).toBe('vegas');
    expect(auto.choice!.reason).toMatch(/map alone/);
    expect(auto.target!.reached).toBe(true);
    const e = auto.estimate.integral;
    expect(e.sdev).toBeLessThanOrEqual(2e-3 * Math.abs(e.mean));
    expect(Math.abs(e.mean - camelExact)).toBeLessThan(4 * e.sdev);
    expect(auto.calls.adapt).toBeGreaterThan(0);
    expect(auto.adaptation!.iterations).toBeGreaterThan(0);
    // the baseline has the same calls as the estimate
    expect(auto.baseline!.calls).toBe(auto.estimate.calls);
  });

  test('--method vegas reaches the target with an honest error; rounds are iterations', () => {
    const e = vegas.estimate.integral;
    expect(vegas.method).toBe('vegas');
    expect(vegas.target).toMatchObject({ relError: 2e-3, absError: null, reached: true, stopReason: 'target reached' });
    expect(e.sdev).toBeLessThanOrEqual(vegas.target!.sought);
    expect(Math.abs(e.mean - camelExact)).toBeLessThan(4 * e.sdev);
    expect(vegas.iterations.reduce((s, it) => s + it.calls, 0)).toBe(vegas.estimate.calls);
    expect(vegas.baseline).toBeNull();
  });

  test('an absolute target with plain Monte Carlo', () => {
    const e = uniform.estimate.integral;
    expect(uniform.method).toBe('uniform');
    expect(uniform.adaptation).toBeNull();
    expect(e.sdev).toBeLessThanOrEqual(1e-3);
    expect(Math.abs(e.mean - 0.25)).toBeLessThan(4 * e.sdev);
  });

  test('a cap that stops short: reported as not reached, with the calls the target needs', () => {
    expect(capped.estimate.calls).toBe(30000);
    expect(capped.target!.reached).toBe(false);
    expect(capped.target!.stopReason).toBe('max calls');
    expect(capped.target!.callsNeeded!).toBeGreaterThan(1e8);
    expect(cappedErr).toMatch(/target error .* was not reached \(max calls\); about .* calls would reach it/);
  });

  test('--max-time ends the run normally (exit 0, not interrupted), with the target not reached', () => {
    const r = parse(timed);
    expect(r.interrupted).toBe(false);
    expect(r.target!.reached).toBe(false);
    expect(r.target!.stopReason).toBe('max time');
    expect(r.seconds.total).toBeLessThan(10);
    expect(r.estimate.calls).toBeGreaterThan(0);
  });

  test('the text report states the target and the choice', () => {
    expect(text).toMatch(/target: rel\. error 0\.002 \(SE <= .*\): reached/);
    expect(text).toMatch(/VEGAS map: \d+ adaptation iterations/);
    expect(text).toMatch(/auto: sampled with the VEGAS map/);
    expect(text).toMatch(/VEGAS\+/);
  });
});

describe('--max-time with a fixed budget', () => {
  test('a VEGAS estimate stops between rounds, and a baseline left no time is absent, not 0(0)', async () => {
    // 4e7 calls would take tens of seconds; the cap ends the estimate after a few rounds of 262144
    const r = await runAsync([
      'integrate',
      '@gauss',
      '--dim',
      '4',
      '--method',
      'vegas',
      '-n',
      '4e7',
      '--max-time',
      '1',
      '--seed',
      '2',
      '--json',
    ]);
    const out = parse(r);
    expect(out.estimate.calls).toBeGreaterThan(0);
    expect(out.estimate.calls).toBeLessThan(4e7);
    expect(r.stderr).toMatch(/--max-time: the estimate stopped after \d+ of 40000000 calls/);
    expect(r.stderr).toMatch(/--max-time: no time was left for the uniform baseline; the result has none/);
    expect(out.baseline).toBeNull();
    const e = out.estimate.integral;
    expect(Math.abs(e.mean - 0.99837318532) / e.sdev).toBeLessThan(4);
    expect(out.seconds.total).toBeLessThan(15);
  }, 60000);
});
