/**
 * Defensive sampling of a flow's estimate (src/estimate/importance.ts): the mixture
 * q_a = (1 - a) q_flow + a q_0 is normalised, bounds the weights of a bounded integrand by
 * f/(a q_0), gives the same numbers with and without worker threads, and a = 0 is the flow
 * alone; --defensive is recorded in the result and refused outside [0, 1).
 */
import { initBackend } from '../../src/backend';
import { streamChunks } from '../../src/estimate/evaluate';
import {
  defensiveLogDensity,
  drawDefensive,
  drawFromFlow,
  PARALLEL_MIN_SAMPLES,
  runImportance,
  SAMPLE_CHUNK,
} from '../../src/estimate/importance';
import { emptyMoments, integralEstimate, type Moments } from '../../src/estimate/stats';
import { defaultFlowConfig, Flow } from '../../src/flow/flow';
import { buildProblem, type Problem } from '../../src/problem';
import { Rng } from '../../src/rng';
import { adaptVegas, AdaptiveMap } from '../../src/vegas';
import { ForwardPool } from '../../src/workers/forward';
import { run } from '../cli/helpers';

let map: AdaptiveMap;

/** A flow far from the identity: weights perturbed from a seeded stream. */
function perturbedFlow(seed: number, scale: number, premap: AdaptiveMap | null): Flow {
  const flow = Flow.create(defaultFlowConfig({ dim: 2, spline: 'rqs', bins: 8, hidden: [8] }), seed);
  const flat = flow.getFlatWeights();
  const rng = new Rng(seed, 1);
  for (let i = 0; i < flat.length; i++) flat[i] += scale * (rng.next() - 0.5);
  flow.setFlatWeights(flat);
  flow.premap = premap;
  return flow;
}

function problemOf(expression: string): Problem {
  return buildProblem({ expression, dim: 2, bounds: [], param: [], event: [], tail: [] });
}

beforeAll(async () => {
  await initBackend('wasm');
  // a map adapted to a peak at (0.3, 0.7): far from the identity
  const g = (u: Float64Array, n: number, out: Float64Array) => {
    for (let i = 0; i < n; i++) out[i] = Math.exp(-((u[2 * i] - 0.3) ** 2 + (u[2 * i + 1] - 0.7) ** 2) / 0.01);
  };
  map = (await adaptVegas(g, 2, new Rng(1, 8), { callsPerIteration: 4000, iterations: 5 })).map;
});

test('the log density of the mixture with the uniform one', () => {
  expect(defensiveLogDensity(Math.log(3), 0.25)).toBeCloseTo(Math.log(0.75 * 3 + 0.25), 12);
  expect(defensiveLogDensity(-Infinity, 0.1)).toBe(Math.log(0.1));
  expect(defensiveLogDensity(-800, 0.1)).toBeCloseTo(Math.log(0.1), 12);
  expect(defensiveLogDensity(800, 0.1)).toBeCloseTo(800 + Math.log(0.9), 9);
});

describe('the mixture is normalised: a known integral within 4 sigma', () => {
  // the peak the map was adapted to, and a broad integrand for the bare flow
  const axis = ((Math.sqrt(Math.PI) * 0.1) / 2) * (1 + 0.9999779095030014); // (sqrt(pi) s / 2)(erf(0.7/s) + erf(0.3/s)), s = 0.1
  const cases = [
    { premapped: true, expression: 'exp(-((x1-0.3)^2+(x2-0.7)^2)/0.01)', exact: axis * axis },
    { premapped: false, expression: 'x1 + x2^2', exact: 5 / 6 },
  ];
  for (const { premapped, expression, exact } of cases) {
    for (const a of [0.5, 0.1]) {
      test(`a = ${a}, ${premapped ? 'on the VEGAS map' : 'bare flow'}`, async () => {
        const flow = perturbedFlow(7, 1.5, premapped ? map : null);
        try {
          const m = await runImportance(problemOf(expression), flow, 40000, new Rng(3, 3), emptyMoments(2, 0), 'error', {}, undefined, a);
          const e = integralEstimate(m);
          expect(m.n).toBe(40000);
          expect(Math.abs(e.mean - exact)).toBeLessThan(4 * e.sdev);
          // precise enough that a mixture off by 1/(1 - a) would fail
          expect(e.sdev / exact).toBeLessThan(0.02);
        } finally {
          flow.dispose();
        }
      });
    }
  }
});

describe('the weights of a bounded integrand are at most f/(a q_0)', () => {
  for (const premapped of [true, false]) {
    test(premapped ? 'q_0: the VEGAS map' : 'q_0: uniform', async () => {
      const a = 0.1;
      const problem = problemOf('1 + x1');
      const flow = perturbedFlow(11, 3, premapped ? map : null);
      let checked = 0;
      let worst = 0;
      const logQ0 = new Float64Array(SAMPLE_CHUNK);
      try {
        await runImportance(
          problem,
          flow,
          3 * SAMPLE_CHUNK,
          new Rng(5, 3),
          emptyMoments(2, 0),
          'error',
          {
            onSamples: (x, w, n, u) => {
              if (premapped) map.logDensity(u, n, logQ0);
              for (let i = 0; i < n; i++) {
                const bound = (1 + x[2 * i]) / (a * (premapped ? Math.exp(logQ0[i]) : 1));
                worst = Math.max(worst, w[i] / bound);
                checked++;
              }
            },
          },
          undefined,
          a,
        );
      } finally {
        flow.dispose();
      }
      expect(checked).toBe(3 * SAMPLE_CHUNK);
      expect(worst).toBeLessThanOrEqual(1 + 1e-6);
    });
  }
});

test('a = 0 draws exactly what the flow alone draws', async () => {
  const problem = problemOf('exp(-((x1-0.4)^2+(x2-0.6)^2)/0.05)');
  const flow = perturbedFlow(6, 0.5, map);
  try {
    const n = 2 * SAMPLE_CHUNK + 17;
    const rng = new Rng(4, 3);
    const zBuf = new Float32Array(SAMPLE_CHUNK * 2);
    const alone = await streamChunks(problem, n, SAMPLE_CHUNK, emptyMoments(2, 0), 'error', 'evaluation', {}, (m) => {
      const { x, logQ } = drawFromFlow(flow, rng, m, zBuf);
      return { u: x, logQ };
    });
    const withZero = await runImportance(problem, flow, n, new Rng(4, 3), emptyMoments(2, 0), 'error', {}, undefined, 0);
    expect(withZero).toEqual(alone);
    const draw0 = drawDefensive(flow, new Rng(9, 3), 100, 0);
    const draw = drawFromFlow(flow, new Rng(9, 3), 100);
    expect(Array.from(draw0.x)).toEqual(Array.from(draw.x));
    expect(Array.from(draw0.logQ)).toEqual(Array.from(draw.logQ));
    // a > 0 changes the draws
    const mixed = await runImportance(problem, flow, n, new Rng(4, 3), emptyMoments(2, 0), 'error', {}, undefined, 0.2);
    expect(mixed.sumW).not.toBe(alone.sumW);
  } finally {
    flow.dispose();
  }
});

test('the same numbers with worker threads as without', async () => {
  const problem = buildProblem({
    expression: 'exp(-((x1-0.4)^2+(x2-0.6)^2)/0.05)',
    dim: 2,
    bounds: [],
    param: [],
    event: ['x1 > 0.5'],
    tail: [],
  });
  const flow = perturbedFlow(6, 0.5, map);
  const n = PARALLEL_MIN_SAMPLES + 123; // a short last chunk
  const a = 0.2;
  const local: Moments = await runImportance(problem, flow, n, new Rng(4, 5), emptyMoments(2, 1), 'error', {}, undefined, a);
  const pool = await ForwardPool.create(flow, 2, 'wasm');
  expect(pool?.size).toBe(1);
  try {
    const parallel = await runImportance(problem, flow, n, new Rng(4, 5), emptyMoments(2, 1), 'error', {}, pool ?? undefined, a);
    expect(parallel.n).toBe(n);
    expect(parallel).toEqual(local);
  } finally {
    await pool?.close();
    flow.dispose();
  }
}, 60000);

describe('--defensive', () => {
  const flowRun = ['@camel', '--dim', '2', '--method', 'flow', '--epochs', '5', '--seed', '3', '--no-baseline', '--json'];

  test('is recorded in the result and named by the text report', () => {
    const r = run(['integrate', ...flowRun, '-n', '5000', '--defensive', '0.2']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { defensive: number | null; estimate: { integral: { mean: number } } };
    expect(doc.defensive).toBe(0.2);
    const text = run(['integrate', ...flowRun.slice(0, -1), '-n', '5000', '--defensive', '0.2']);
    expect(text.stdout).toMatch(/\(1 - a\) q_flow \+ a q_0, a = 0\.2, q_0 the VEGAS map/);
    const vegas = run(['integrate', '@camel', '--dim', '2', '--method', 'vegas', '-n', '5000', '--no-baseline', '--json']);
    expect((JSON.parse(vegas.stdout) as { defensive: unknown }).defensive).toBeNull();
  });

  test('the same estimate with 1 and 2 threads', () => {
    const args = [...flowRun, '-n', String(PARALLEL_MIN_SAMPLES + 5), '--defensive', '0.1'];
    const one = run(['integrate', ...args, '--threads', '1']);
    const two = run(['integrate', ...args, '--threads', '2']);
    expect(one.code).toBe(0);
    expect(two.code).toBe(0);
    const estimate = (s: string) => (JSON.parse(s) as { estimate: { integral: unknown } }).estimate.integral;
    expect(estimate(two.stdout)).toEqual(estimate(one.stdout));
  });

  test.each(['1', '-0.1', 'x'])('refuses %s with one line and exit code 2', (value) => {
    const r = run(['integrate', '@camel', '--dim', '2', `--defensive=${value}`]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--defensive/);
  });
});
