/**
 * Steps of f under the VEGAS map, end to end (fixed seeds): an indicator whose edge falls
 * inside an increment of the map. Before graded maps every seed of (x1 < 0.125) came out low by
 * 2e-4 at 160 to 3000 sigma and was marked reliable; now each estimate is within 4 standard
 * errors or marked unreliable, most are within 4, and the VEGAS adaptation sees the power maps
 * of a problem on the unit cube (its averages were those of the unbent integrand). The 1% density
 * floor that guards a step goes only to maps whose adaptation met zeros of f.
 */
import { integrateOptionsSchema } from '../../src/options';
import { prepareProblem, runIntegrate } from '../../src/integrate';
import { resultSchema, type IntegrationResult } from '../../src/report/schema';
import { expandIntegrandRef } from '../../src/integrands';
import { adaptMapStage } from '../../src/stages/vegas';
import { Rng } from '../../src/rng';

async function run(input: Record<string, unknown>): Promise<IntegrationResult> {
  const options = integrateOptionsSchema.parse({ backend: 'wasm', baseline: false, method: 'vegas', ...input });
  return resultSchema.parse(JSON.parse(JSON.stringify(await runIntegrate(prepareProblem(options)))));
}

describe('steps of f under the VEGAS map', () => {
  const cases: [string, string, number, number, number[]][] = [
    ['(x1 < 0.125) in d = 1', '(x1 < 0.125)', 1, 0.125, [1, 2, 3, 4, 5, 6, 7, 8]],
    ['a box (x1 < 0.3) (x2 < 0.6) in d = 2', '(x1 < 0.3) * (x2 < 0.6)', 2, 0.18, [1, 2, 3, 4]],
  ];
  test.each(cases)('%s: each run within 4 sigma or unreliable, most within 4 sigma', async (_name, expression, dim, exact, seeds) => {
    let within = 0;
    for (const seed of seeds) {
      const r = await run({ expression, dim, samples: 100_000, seed });
      const e = r.estimate.integral;
      const ok = Math.abs(e.mean - exact) < 4 * e.sdev;
      if (ok) within++;
      expect({ seed, honest: ok || !r.reliable }).toEqual({ seed, honest: true });
    }
    // measured: 6 of 8 and 4 of 4 (the other two marked inconsistent-adaptation)
    expect(within).toBeGreaterThanOrEqual(Math.ceil(0.7 * seeds.length));
  });

  test('the adaptation of a problem on the unit cube samples through its power maps', async () => {
    // under x = u^10, x1^-0.9 becomes the constant 10: the adaptation's average is exact
    const r = await run({ expression: 'x1^(-0.9)', dim: 1, samples: 20_000, seed: 1 });
    expect(r.problem.maps?.[0].warp?.power).toBe(10);
    expect(Math.abs(r.adaptation!.integral.mean - 10)).toBeLessThan(1e-6);
    expect(r.reliable).toBe(true);
  });

  test('the 1% density floor goes to maps whose adaptation met zeros of f, 0.01% to the others', async () => {
    /** The largest dx/dy of the adapted map over its axes: at most 1/floor. */
    async function steepest(expression: string, dim: number): Promise<number> {
      const { options, defaults } = expandIntegrandRef(integrateOptionsSchema.parse({ expression, dim, method: 'vegas', seed: 1 }));
      const { map } = await adaptMapStage(prepareProblem(options, defaults).problem, options, new Rng(1, 2));
      let most = 0;
      for (let i = 0; i < map.dim * map.ninc; i++) most = Math.max(most, map.widths[i] * map.ninc);
      return most;
    }
    // measured, seed 1: 82 for the step, 362 for the narrow Gaussian (whose tails never underflow to 0)
    expect(await steepest('(x1 < 0.3)', 1)).toBeLessThanOrEqual(100 * (1 + 1e-9));
    const smooth = await steepest('@narrow_gauss', 4);
    expect(smooth).toBeGreaterThan(100);
    expect(smooth).toBeLessThanOrEqual(1e4 * (1 + 1e-9));
  });
});
