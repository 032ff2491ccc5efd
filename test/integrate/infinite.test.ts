/**
 * Infinite and semi-infinite domains end to end, against closed forms: the estimate within
 * 4 reported standard errors (fixed seeds), E_p[X] and P_p(A) on a Gaussian far from 0, and a
 * heavy tail whose weights have infinite variance either estimated correctly or flagged.
 */
import { integrateOptionsSchema } from '../../src/options';
import { prepareProblem, runIntegrate } from '../../src/integrate';
import { resultSchema, type IntegrationResult } from '../../src/report/schema';

async function run(input: Record<string, unknown>): Promise<IntegrationResult> {
  const options = integrateOptionsSchema.parse({ backend: 'wasm', ...input });
  return resultSchema.parse(JSON.parse(JSON.stringify(await runIntegrate(prepareProblem(options)))));
}

function withinSigmas(e: { mean: number; sdev: number } | null, exact: number, k = 4) {
  expect(e).not.toBeNull();
  expect(e!.sdev).toBeGreaterThan(0);
  expect(Math.abs(e!.mean - exact)).toBeLessThan(k * e!.sdev);
}

const cases: [string, string, string, number][] = [
  ['exp(-x1^2) over R', 'exp(-x1^2)', '-inf:inf', Math.sqrt(Math.PI)],
  ['exp(-sum(x.^2)) over R^4', 'exp(-sum(x.^2))', '-inf:inf', Math.PI ** 2],
  ['exp(-x1) over [0, inf)', 'exp(-x1)', '0:inf', 1],
  ['exp(x1) over (-inf, 0]', 'exp(x1)', '-inf:0', 1],
  ['1/(1+x1^2) over R (heavy tail)', '1/(1+x1^2)', '-inf:inf', Math.PI],
  ['a Gaussian at 50 of width 3 over R', 'exp(-(x1-50)^2/18)/(3*sqrt(2*pi))', '-inf:inf', 1],
  ['mixed bounds: exp(-x1 - x2^2) * x3 over [0,inf) x R x [0,2]', 'exp(-x1 - x2^2) * x3', '0:inf,-inf:inf,0:2', 2 * Math.sqrt(Math.PI)],
];

describe('plain Monte Carlo through the domain maps', () => {
  test.each(cases)('%s', async (_, expression, bounds, exact) => {
    const dim = expression.includes('x3') ? 3 : expression.includes('sum') ? 4 : 1;
    for (const seed of [1, 2]) {
      const r = await run({ expression, dim, bounds, method: 'uniform', samples: 50000, seed });
      withinSigmas(r.estimate.integral, exact);
      expect(r.warnings).toEqual([]);
      expect(r.problem.maps?.length).toBe(dim);
      expect(r.problem.pilotCalls).toBe(10000);
    }
  });

  test('--scale without a pilot: the Gaussian at 50 still comes out right, or is flagged', async () => {
    const r = await run({
      expression: 'exp(-(x1-50)^2/18)/(3*sqrt(2*pi))',
      dim: 1,
      bounds: '-inf:inf',
      method: 'uniform',
      samples: 50000,
      scale: '1',
    });
    expect(r.problem.maps).toEqual([{ kind: 'tan', origin: 0, scale: 1 }]);
    expect(r.problem.pilotCalls).toBe(0);
    const pull = Math.abs(r.estimate.integral.mean - 1) / r.estimate.integral.sdev;
    expect(pull < 4 || r.warnings.some((w) => /heavy-tailed/.test(w))).toBe(true);
  });

  test('the Gaussian at 50 of width 3: E_p[X] = 50 and P_p(x1 > 53) = 0.1587 within 4 SE', async () => {
    const r = await run({
      expression: 'exp(-(x1-50)^2/18)',
      dim: 1,
      bounds: '-inf:inf',
      method: 'uniform',
      samples: 50000,
      seed: 3,
      event: ['x1 > 53'],
    });
    withinSigmas(r.estimate.integral, 3 * Math.sqrt(2 * Math.PI));
    withinSigmas(r.estimate.expectation[0], 50);
    withinSigmas(r.estimate.events[0].probability, 0.15865525393145707);
  });

  test('bounds serialise as "inf" strings', async () => {
    const r = await run({ expression: 'exp(-x1)', dim: 1, bounds: '0:inf', method: 'uniform', samples: 1000 });
    expect(r.problem.bounds).toEqual([[0, 'inf']]);
  });
});

describe('heavy tails', () => {
  // f ~ |x|^-1.2: integrable, but w = f dx/du ~ |x|^0.8 has infinite variance under the tan map
  const exact = (Math.sqrt(Math.PI) * 9.513507698668732) / 1.489192248812817; // sqrt(pi) Gamma(0.1) / Gamma(0.6)
  test.each([1, 2, 3, 4, 5])('1/(1+x1^2)^0.6 over R, seed %d: a correct estimate or a heavy-tail warning', async (seed) => {
    const r = await run({ expression: '1/(1+x1^2)^0.6', dim: 1, bounds: '-inf:inf', method: 'uniform', samples: 100000, seed });
    const pull = Math.abs(r.estimate.integral.mean - exact) / r.estimate.integral.sdev;
    const flagged = r.warnings.some((w) => /heavy-tailed weights/.test(w));
    expect(pull < 4 || flagged).toBe(true);
    expect(flagged).toBe(true);
  });

  test('the same with a flow: a correct estimate or a heavy-tail warning', async () => {
    const r = await run({
      expression: '1/(1+x1^2)^0.6',
      dim: 1,
      bounds: '-inf:inf',
      method: 'flow',
      epochs: 40,
      samples: 50000,
      seed: 2,
      baseline: false,
    });
    const pull = Math.abs(r.estimate.integral.mean - exact) / r.estimate.integral.sdev;
    expect(pull < 4 || r.warnings.some((w) => /flow: heavy-tailed weights/.test(w))).toBe(true);
  });
});

describe('a flow on R', () => {
  let r: IntegrationResult;
  beforeAll(async () => {
    r = await run({
      expression: 'exp(-(x1-50)^2/18 - (x2+1)^2/2)/(6*pi)',
      dim: 2,
      bounds: '-inf:inf',
      epochs: 60,
      batch: 1000,
      lr: 5e-3,
      samples: 20000,
      seed: 2,
      event: ['x1 > 50'],
    });
  });

  test('the integral of a Gaussian at (50, -1) is 1 within 4 SE', () => {
    withinSigmas(r.estimate.integral, 1);
    withinSigmas(r.baseline!.integral, 1);
  });

  test('E_p[X] = (50, -1) and P_p(x1 > 50) = 0.5 within 4 SE', () => {
    withinSigmas(r.estimate.expectation[0], 50);
    withinSigmas(r.estimate.expectation[1], -1);
    withinSigmas(r.estimate.events[0].probability, 0.5);
  });
});
