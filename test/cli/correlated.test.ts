/**
 * The 'correlated' verdict on whole runs: the normal density with all correlations 0.9 in d = 4
 * (largest eigenvalue of its correlation matrix 3.7) under the VEGAS map on the cube's axes
 * (principalAxes 'none') is unreliable; @camel (eigenvalue 2.8, ESS near 50%) and @gauss
 * (eigenvalue 1) are not; plain Monte Carlo makes no finding; partial documents carry the
 * finding, and `merge` keeps the reason. On the principal axes (the default) the finding is
 * taken along them and the same density is no longer correlated.
 */
import fs from 'fs';
import path from 'path';
import { expandIntegrandRef } from '../../src/integrands';
import { integrateOptionsSchema } from '../../src/options';
import { prepareProblem, runIntegrateDetailed, type RunOutput } from '../../src/integrate';
import { partialSchema } from '../../src/partial';
import { resultSchema } from '../../src/report/schema';
import { run, runAsync, tempDir } from './helpers';

/** The normal density over R^4 with unit variances and all correlations 0.9, normalised to 1. */
const CORRELATED = 'exp(-5 * (sum(x.^2) - 0.9 / 3.7 * sum(x)^2)) / (4 * pi^2 * sqrt(0.0037))';

/** A run through the core API, with a library integrand (@name) expanded as the CLI does. */
async function integrate(input: Record<string, unknown>): Promise<RunOutput> {
  const { options, defaults } = expandIntegrandRef(integrateOptionsSchema.parse({ backend: 'wasm', dim: 4, baseline: false, ...input }));
  return runIntegrateDetailed(prepareProblem(options, defaults));
}

const codes = (out: RunOutput) => out.result.estimate.verdict.reasons.map((r) => r.code);

describe("the 'correlated' verdict of the VEGAS map", () => {
  test('on the principal axes (the default) the same density is not correlated along the axes the map samples on', async () => {
    const out = await integrate({ expression: CORRELATED, bounds: '-10:10', method: 'vegas', seed: 1 });
    expect(out.result.adaptation?.principalAxes?.used).toBe(true);
    expect(out.correlation!.eigenvalue).toBeLessThan(1.5);
    expect(codes(out)).not.toContain('correlated');
  });

  test.each([1, 2])('all correlations 0.9 in d = 4 over [-10,10]^4, seed %i: unreliable, reason correlated', async (seed) => {
    const out = await integrate({ expression: CORRELATED, bounds: '-10:10', method: 'vegas', seed, principalAxes: 'none' });
    expect(out.correlation).not.toBeNull();
    expect(out.correlation!.eigenvalue).toBeGreaterThan(3.5);
    expect(out.correlation!.eigenvalue).toBeLessThan(3.9);
    expect(out.result.estimate.essFraction).toBeLessThan(0.3);
    expect(out.result.estimate.verdict.reliable).toBe(false);
    expect(codes(out)).toContain('correlated');
    expect(out.result.warnings.some((w) => /^vegas: p correlates its coordinates/.test(w))).toBe(true);
  });

  test('@camel in d = 4: correlated coordinates (two peaks on the diagonal) but a good ESS, no correlated reason', async () => {
    const out = await integrate({ expression: '@camel', method: 'vegas', seed: 1, principalAxes: 'none' });
    expect(out.correlation!.eigenvalue).toBeGreaterThan(2);
    expect(out.result.estimate.essFraction).toBeGreaterThanOrEqual(0.3);
    expect(codes(out)).not.toContain('correlated');
  });

  test('@gauss in d = 4: independent coordinates, no correlated reason', async () => {
    const out = await integrate({ expression: '@gauss', method: 'vegas', seed: 1 });
    expect(out.correlation!.eigenvalue).toBeLessThan(1.1);
    expect(codes(out)).not.toContain('correlated');
  });

  test('plain Monte Carlo makes no finding: a uniform density is not separable sampling of p', async () => {
    const out = await integrate({ expression: CORRELATED, bounds: '-10:10', method: 'uniform', seed: 1 });
    expect(out.correlation).toBeNull();
    expect(codes(out)).not.toContain('correlated');
  });
});

describe('partial documents and merge', () => {
  let tmp: string;
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test('--partial carries correlation.eigenvalue; merge of two seeds keeps the correlated reason', async () => {
    tmp = tempDir('correlated');
    const seeds = [1, 2];
    const runs = await Promise.all(
      seeds.map((s) =>
        runAsync([
          'integrate',
          CORRELATED,
          '--dim',
          '4',
          '--bounds=-10:10',
          '--method',
          'vegas',
          '--seed',
          String(s),
          '--principal-axes',
          'none',
          '--partial',
          '--no-baseline',
          '-q',
        ]),
      ),
    );
    const docs = runs.map((r) => {
      expect(r.code).toBe(0);
      return partialSchema.parse(JSON.parse(r.stdout));
    });
    for (const d of docs) {
      expect(d.method).toBe('vegas');
      expect(d.correlation!.eigenvalue).toBeGreaterThan(2);
    }
    const files = runs.map((r, i) => {
      const file = path.join(tmp, `part-${seeds[i]}.json`);
      fs.writeFileSync(file, r.stdout);
      return file;
    });

    const merged = run(['merge', ...files, '--json', '-q']);
    expect(merged.code).toBe(0);
    const result = resultSchema.parse(JSON.parse(merged.stdout));
    expect(result.estimate.essFraction).toBeLessThan(0.3);
    expect(result.estimate.verdict.reliable).toBe(false);
    expect(result.estimate.verdict.reasons.map((r) => r.code)).toContain('correlated');

    // the merged partial document keeps the strongest finding of its parts
    const again = run(['merge', ...files, '--partial', '-q']);
    expect(again.code).toBe(0);
    const doc = partialSchema.parse(JSON.parse(again.stdout));
    expect(doc.correlation).toEqual({ eigenvalue: Math.max(...docs.map((d) => d.correlation!.eigenvalue)) });
  });

  test('a uniform run writes correlation null into its partial document', () => {
    const r = run(['integrate', CORRELATED, '--dim', '4', '--bounds=-10:10', '--method', 'uniform', '-n', '20000', '--partial', '-q']);
    expect(r.code).toBe(0);
    expect(partialSchema.parse(JSON.parse(r.stdout)).correlation).toBeNull();
  });
});
