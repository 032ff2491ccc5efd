/**
 * The whole pipeline (train -> fresh-sample estimate -> uniform baseline) on the i-flow paper's
 * gauss and camel integrands, with fixed seeds and small budgets. Tolerances come from the
 * reported standard errors.
 */
import { integrateOptionsSchema } from '../../src/options';
import { prepareProblem, runIntegrate } from '../../src/integrate';
import { resultSchema, type IntegrationResult } from '../../src/report/schema';
import { erf } from '../../src/integrand';

const GAUSS2 = '(0.2*sqrt(pi))^(-2) * exp(-sum((x - 0.5).^2) / 0.2^2)';
const CAMEL4 = '0.5*(0.2*sqrt(pi))^(-4) * (exp(-sum((x - 1/3).^2) / 0.2^2) + exp(-sum((x - 2/3).^2) / 0.2^2))';
const gaussExact = erf(1 / (2 * 0.2)) ** 2;
const camelExact = (0.5 * (erf(1 / (3 * 0.2)) + erf(2 / (3 * 0.2)))) ** 4;

async function run(input: Record<string, unknown>): Promise<IntegrationResult> {
  const options = integrateOptionsSchema.parse({ backend: 'wasm', method: 'flow', ...input });
  return resultSchema.parse(await runIntegrate(prepareProblem(options)));
}

function withinSigmas(e: { mean: number; sdev: number } | null, exact: number, k = 4) {
  expect(e).not.toBeNull();
  expect(e!.sdev).toBeGreaterThan(0);
  expect(Math.abs(e!.mean - exact)).toBeLessThan(k * e!.sdev);
}

describe('i-flow integration', () => {
  let gauss: IntegrationResult;

  beforeAll(async () => {
    gauss = await run({
      expression: GAUSS2,
      dim: 2,
      epochs: 80,
      batch: 2000,
      lr: 1e-2,
      samples: 40000,
      seed: 3,
      event: ['x1 > 0.5'],
    });
  });

  test('gauss d=2: estimate within 4 SE of the exact value', () => {
    withinSigmas(gauss.estimate.integral, gaussExact);
    expect(gauss.method).toBe('flow');
    expect(gauss.backend?.name).toBe('wasm');
    expect(gauss.calls).toMatchObject({ train: 80 * 2000, evaluate: 40000, baseline: 40000 });
    expect(gauss.calls.adapt).toBeGreaterThan(0);
    expect(gauss.flow!.premap).toBe('vegas');
  });

  test('gauss d=2: SE at least 10x smaller than the uniform baseline at equal calls', () => {
    const b = gauss.baseline!;
    expect(b.calls).toBe(gauss.estimate.calls);
    withinSigmas(b.integral, gaussExact);
    expect(b.integral.sdev / gauss.estimate.integral.sdev).toBeGreaterThanOrEqual(10);
    expect(gauss.comparison!.varianceReduction!).toBeGreaterThanOrEqual(100);
  });

  test('gauss d=2: E_p[X] = (0.5, 0.5) and P_p(x1 > 0.5) = 0.5 within 4 SE', () => {
    withinSigmas(gauss.estimate.expectation[0], 0.5);
    withinSigmas(gauss.estimate.expectation[1], 0.5);
    withinSigmas(gauss.estimate.events[0].probability, 0.5);
  });

  test('camel d=4: estimate within 4 SE and SE at least 5x smaller than uniform', async () => {
    const camel = await run({ expression: CAMEL4, dim: 4, epochs: 120, batch: 2000, lr: 1e-2, samples: 40000, seed: 5 });
    withinSigmas(camel.estimate.integral, camelExact);
    expect(camel.baseline!.integral.sdev / camel.estimate.integral.sdev).toBeGreaterThanOrEqual(5);
    expect(camel.flow!.layers).toBe(4);
  });

  test('the same seed on the same backend gives the same numbers', async () => {
    const opts = { expression: GAUSS2, dim: 2, epochs: 5, batch: 500, samples: 2000, seed: 11, baseline: false };
    const a = await run(opts);
    const b = await run(opts);
    expect(a.estimate).toEqual(b.estimate);
    expect(a.training!.finalLoss).toBe(b.training!.finalLoss);
  });

  test('with two worker threads: the same seed gives the same numbers, within 4 SE', async () => {
    const opts = { expression: GAUSS2, dim: 2, epochs: 6, batch: 5000, lr: 1e-2, samples: 20000, seed: 13, threads: 2 };
    const a = await run(opts);
    const b = await run(opts);
    expect(a.training!.slices).toBe(2);
    expect(a.training!.workers).toBe(1);
    expect(a.estimate).toEqual(b.estimate);
    withinSigmas(a.estimate.integral, gaussExact);
  });

  test('a long evaluation on worker threads gives the numbers of one thread', async () => {
    // batch 1000 trains in one slice either way; 140000 samples start the evaluation workers
    const opts = { expression: GAUSS2, dim: 2, epochs: 5, batch: 1000, samples: 140_000, seed: 17, baseline: false };
    const one = await run({ ...opts, threads: 1 });
    const two = await run({ ...opts, threads: 2 });
    expect(two.training!.slices).toBe(1);
    expect(two.estimate).toEqual(one.estimate);
    withinSigmas(two.estimate.integral, gaussExact);
  });
});
