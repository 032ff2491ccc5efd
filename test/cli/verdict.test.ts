import fs from 'fs';
import path from 'path';
import { partialSchema } from '../../src/partial';
import { resultSchema } from '../../src/report/schema';
import { runAsync, tempDir } from './helpers';

const FAST = ['--method', 'flow', '--premap', 'none', '--epochs', '10', '--batch', '1000', '--lr', '0.01', '-n', '10000', '--threads', '1'];

let tmp: string;
beforeAll(() => {
  tmp = tempDir('verdict');
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('the verdict on the command line', () => {
  // without its power map (src/singular.ts), x1^(-0.9) gives every sampler weights with no finite variance
  test('x1^(-0.9) in d = 1 without a power map is unreliable (k-hat), a smooth Gaussian reliable; --strict exits 3 only for the first', async () => {
    const [spike, spikeText, gauss] = await Promise.all([
      runAsync(['integrate', 'x1^(-0.9)', '--dim', '1', ...FAST, '--power-map', 'none', '--json']),
      runAsync(['integrate', 'x1^(-0.9)', '--dim', '1', ...FAST, '--power-map', 'none', '--strict', '-q']),
      runAsync(['integrate', 'exp(-sum((x-0.5).^2)/0.2)', '--dim', '2', ...FAST, '--json', '--strict']),
    ]);
    expect(spike.code).toBe(0);
    const s = resultSchema.parse(JSON.parse(spike.stdout));
    expect(s.reliable).toBe(false);
    expect(s.estimate.verdict.reliable).toBe(false);
    expect(s.estimate.khat as number).toBeGreaterThan(0.7);
    expect(s.estimate.verdict.reasons.map((r) => r.code)).toContain('pareto-k');
    expect(s.baseline?.verdict.reliable).toBe(false);
    expect(s.comparison?.baselineReliable).toBe(false);
    expect(spike.stderr).toMatch(/flow: heavy-tailed weights: Pareto k-hat/);
    // the mark is on stdout, not only in the warnings; --strict exits 3 after printing the report
    expect(spikeText.code).toBe(3);
    expect(spikeText.stderr).toBe('');
    expect(spikeText.stdout).toMatch(/verdict\s+UNRELIABLE !\s+UNRELIABLE !/);
    expect(spikeText.stdout).toMatch(/^! i-flow UNRELIABLE: heavy-tailed weights: Pareto k-hat/m);
    expect(spikeText.stdout).toMatch(/variance reduction .* \(against an UNRELIABLE baseline/);

    expect(gauss.code).toBe(0);
    const g = resultSchema.parse(JSON.parse(gauss.stdout));
    expect(g.reliable).toBe(true);

    // the default sampler without a power map: the VEGAS map resolves x1^(-0.9) down to ~1e-12
    // only, and the boundary probe finds the mass it cannot reach
    const auto = await runAsync(['integrate', 'x1^(-0.9)', '--dim', '1', '-n', '10000', '--power-map', 'none', '--json']);
    const a = resultSchema.parse(JSON.parse(auto.stdout));
    expect(a.method).toBe('vegas');
    expect(a.reliable).toBe(false);
    expect(a.estimate.verdict.reasons.map((r) => r.code)).toContain('boundary-mass');
    expect(auto.stderr).toMatch(/grows so fast toward x1 = 0/);
    expect(g.estimate.verdict).toEqual({ reliable: true, reasons: [] });
    expect(g.estimate.khat as number).toBeLessThan(0.5);
    expect(g.baseline?.verdict.reliable).toBe(true);
    expect(g.warnings).toEqual([]);
    const exact = 0.2 * Math.PI * erf(0.5 / Math.sqrt(0.2)) ** 2;
    expect(Math.abs(g.estimate.integral.mean - exact)).toBeLessThan(4 * g.estimate.integral.sdev);
  }, 120000);

  test('a sign-changing integrand: E_f and P_f are labelled signed ratios, no heavy-tail warning', async () => {
    const args = ['integrate', 'sin(2*pi*x1) + 0.01', '--dim', '1', '--method', 'uniform', '-n', '20000', '--event', 'x1 > 0.5'];
    const [json, text] = await Promise.all([runAsync([...args, '--json']), runAsync(args)]);
    expect(json.code).toBe(0);
    const r = resultSchema.parse(JSON.parse(json.stdout));
    expect(r.estimate.signed).toBe(true);
    expect(r.reliable).toBe(true);
    expect(r.warnings).toEqual([]);
    expect(json.stderr).toBe('');
    expect(text.stdout).toMatch(/E_f\[x1\] \(signed\)/);
    expect(text.stdout).toMatch(/P_f\(x1 > 0\.5\) \(signed\)/);
    expect(text.stdout).toMatch(/ratios of signed integrals/);
    expect(text.stdout).not.toMatch(/E_p\[x1\]/);
    expect(text.stdout).toMatch(/^verdict\s+reliable$/m);
  }, 60000);

  test('an --event that is not a condition ("x1 + 1", "0.5"): exit 2, nothing on stdout', async () => {
    const runs = await Promise.all(
      ['x1 + 1', '0.5'].map((event) => runAsync(['integrate', 'x1', '--dim', '2', '--method', 'uniform', '-n', '100', '--event', event])),
    );
    for (const r of runs) {
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/is not a condition/);
    }
  }, 60000);

  test('merge refuses a part inside a merged file, two copies of a merged file, and two baselines of one seed', async () => {
    const uni = ['integrate', 'x1*x2', '--dim', '2', '--method', 'uniform', '-n', '5000', '--partial'];
    const flow = ['integrate', 'x1*x2', '--dim', '2', '--method', 'flow', '--batch', '200', '-n', '2000', '--threads', '1', '--partial'];
    const runs = await Promise.all([
      runAsync([...uni, '--seed', '1']),
      runAsync([...uni, '--seed', '2']),
      runAsync([...flow, '--epochs', '2']),
      runAsync([...flow, '--epochs', '3']),
    ]);
    const files = runs.map((r, i) => {
      expect(r.code).toBe(0);
      const file = path.join(tmp, `p${i}.json`);
      fs.writeFileSync(file, r.stdout);
      return file;
    });
    const flowDoc = partialSchema.parse(JSON.parse(runs[2].stdout));
    expect(flowDoc.streams.map((s) => [s.seed, s.stream])).toEqual([
      [1, 'evaluate'],
      [1, 'baseline'],
    ]);
    expect(flowDoc.streams[0].flowDigest).toBe(flowDoc.flowDigest);

    const merged = await runAsync(['merge', files[0], files[1], '--partial']);
    expect(merged.code).toBe(0);
    const mergedFile = path.join(tmp, 'merged.json');
    fs.writeFileSync(mergedFile, merged.stdout);
    const copy = path.join(tmp, 'merged-copy.json');
    fs.copyFileSync(mergedFile, copy);

    const [inside, twice, baselines] = await Promise.all([
      runAsync(['merge', mergedFile, files[1]]),
      runAsync(['merge', mergedFile, copy]),
      runAsync(['merge', files[2], files[3]]),
    ]);
    for (const r of [inside, twice, baselines]) {
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(inside.stderr).toMatch(/p1\.json and .*merged\.json hold the same samples \(the uniform samples of seed 2\)/);
    expect(twice.stderr).toMatch(/merged-copy\.json and .*merged\.json hold the same samples/);
    expect(baselines.stderr).toMatch(/p3\.json and .*p2\.json hold the same samples \(the uniform baseline of seed 1\)/);
  }, 120000);
});

/** erf by its series (enough digits for a 4-sigma check). */
function erf(x: number): number {
  let sum = 0;
  let term = x;
  for (let n = 0; n < 60; n++) {
    sum += term / (2 * n + 1);
    term *= (-x * x) / (n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}
