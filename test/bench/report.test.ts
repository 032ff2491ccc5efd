import { anchors, anchorsSchema, closestBudget, referenceMethods, referencesFor } from '../../src/bench/anchors';
import { makeRun, summarizeRuns, pullStats, type RunRecord } from '../../src/bench/metrics';
import { caseRows, formatCalls, formatPull, formatSci, renderBench, HEADER } from '../../src/bench/render';
import { fomGains, runRecord, SPLIT_DESCRIPTION, type BenchReport, type CaseResult } from '../../src/bench/report';
import {
  DEFAULT_TUNING,
  MIN_BUDGET,
  decayFor,
  MIN_BATCH,
  STEPS,
  SUITE,
  SUITE_IDS,
  findCase,
  flowRunOptions,
  planFlowRun,
  uniformRunOptions,
} from '../../src/bench/suite';
import { UsageError } from '../../src/errors';
import type { IntegrationResult } from '../../src/report/schema';
import raw from '../../src/bench/anchors.json';

describe('anchors data', () => {
  test('parses and holds every suite case at 1e5 and 1e6 calls', () => {
    const a = anchorsSchema.parse(raw);
    expect(Object.keys(a.cases).sort()).toEqual([...SUITE_IDS].sort());
    for (const c of SUITE) {
      const ref = a.cases[c.id];
      expect(ref.d).toBe(c.dim);
      expect(ref.params).toEqual(c.params);
      expect(Object.keys(ref.references).sort()).toEqual(['100000', '1000000']);
      expect(Object.keys(ref.seeds10).sort()).toEqual(['100000', '1000000']);
      for (const rows of Object.values(ref.references)) {
        for (const m of referenceMethods) {
          const r = rows[m];
          expect(r.fom).toBeCloseTo((r.error / ref.exact) ** 2 * r.calls, 9);
          expect(r.pull).toBeCloseTo((r.estimate - ref.exact) / r.error, 3);
        }
      }
    }
    expect(a.source.description).toMatch(/gsl-results\.jsonl/);
    expect(a.source.methods.vegas_plus).toMatch(/6\.4\.1/);
  });

  test('NIS peers where present: ZuNIS on 7 cases, MadNIS on 2, 2.6e6 calls', () => {
    const a = anchors();
    const zunis = Object.entries(a.cases)
      .filter(([, c]) => c.peers.zunis)
      .map(([id]) => id);
    const madnis = Object.entries(a.cases)
      .filter(([, c]) => c.peers.madnis)
      .map(([id]) => id);
    expect(zunis.sort()).toEqual(['camel_d2', 'camel_d4', 'camel_d8', 'circles_d2', 'gauss_d2', 'gauss_d4', 'gauss_d8']);
    expect(madnis.sort()).toEqual(['gauss_d2', 'gauss_d4']);
    for (const c of Object.values(a.cases)) {
      for (const p of [c.peers.zunis, c.peers.madnis]) if (p) expect(p.calls).toBe(p.trainCalls + p.evalCalls);
    }
  });

  test('closest budget on a log scale', () => {
    expect(closestBudget(20000, [100000, 1000000])).toBe(100000);
    expect(closestBudget(300000, [100000, 1000000])).toBe(100000);
    expect(closestBudget(400000, [100000, 1000000])).toBe(1000000);
    expect(closestBudget(5e6, [100000, 1000000])).toBe(1000000);
    const r = referencesFor('gauss_d2', 1e6);
    expect(r?.budget).toBe(1e6);
    expect(r?.rows.gsl_vegas.calls).toBe(1000000);
    expect(r?.seeds10?.vegas_plus.pullRms).toBe(1.0);
    expect(referencesFor('poly_d3', 1e6)).toBeNull();
  });
});

describe('suite and budget split', () => {
  test('half the budget trains, the rest evaluates, totals are exact', () => {
    const p = planFlowRun(DEFAULT_TUNING, 1_000_000);
    expect(p).toEqual({ budget: 1e6, epochs: 500, batch: 1000, trainCalls: 500_000, samples: 500_000 });
    // smaller budgets keep about STEPS steps with smaller batches, down to MIN_BATCH
    expect(planFlowRun(DEFAULT_TUNING, 100_000)).toEqual({ budget: 1e5, epochs: STEPS, batch: 200, trainCalls: 50_000, samples: 50_000 });
    const q = planFlowRun(DEFAULT_TUNING, 20_000);
    expect(q.batch).toBe(MIN_BATCH);
    expect(q.epochs).toBe(100);
    expect(q.trainCalls + q.samples).toBe(20_000);
    const two = planFlowRun({ ...DEFAULT_TUNING, batch: 500 }, 1e6);
    expect([two.epochs, two.batch]).toEqual([1000, 500]);
    const small = planFlowRun(DEFAULT_TUNING, MIN_BUDGET);
    expect(small.epochs).toBeGreaterThanOrEqual(1);
    expect(small.trainCalls + small.samples).toBe(MIN_BUDGET);
    const r = planFlowRun({ ...DEFAULT_TUNING, trainFraction: 0.3 }, 123_457);
    expect(r.trainCalls + r.samples).toBe(123_457);
    expect(r.trainCalls).toBeLessThanOrEqual(0.3 * 123_457);
    expect(() => planFlowRun(DEFAULT_TUNING, MIN_BUDGET - 1)).toThrow(UsageError);
  });

  test('the learning rate decays to lrEnd x lr over the epochs of the plan', () => {
    const t = { ...DEFAULT_TUNING, lrEnd: 0.1 };
    for (const epochs of [20, 500, 5000]) expect((1 - decayFor(t, epochs)) ** epochs).toBeCloseTo(0.1, 10);
    expect(decayFor({ ...DEFAULT_TUNING, lrEnd: undefined }, 500)).toBe(0);
    const c = SUITE.find((s) => s.id === 'camel_d4')!;
    const plan = planFlowRun(c.tuning, 1e6);
    const f = flowRunOptions(c, { expression: 'x1', dim: 4 }, plan, 1, 'auto');
    expect(f.decay).toBeCloseTo(decayFor(c.tuning, plan.epochs), 15);
  });

  test('cases: suite ids and <integrand>_d<d>', () => {
    expect(findCase('camel_d8', ['camel']).dim).toBe(8);
    const t = findCase('triangle_d2', ['triangle', 'poly']);
    expect(t).toMatchObject({ integrand: 'triangle', dim: 2, params: {} });
    expect(findCase('narrow_gauss_d4', []).integrand).toBe('narrow_gauss');
    expect(() => findCase('nope_d2', ['triangle'])).toThrow(/unknown bench case "nope_d2"/);
  });

  test('run options: no baseline in the flow run, all N samples in the uniform run', () => {
    const c = SUITE.find((s) => s.id === 'gauss_d4')!;
    const plan = planFlowRun(c.tuning, 1e6);
    const f = flowRunOptions(c, { expression: 'x1', dim: 4 }, plan, 2, 'wasm');
    expect(f).toMatchObject({
      method: 'flow',
      epochs: 500,
      batch: 1000,
      samples: 500_000,
      baseline: false,
      seed: 2,
      backend: 'wasm',
      lr: c.tuning.lr,
    });
    const u = uniformRunOptions({ expression: 'x1', dim: 4 }, 1e6, 2);
    expect(u).toMatchObject({ method: 'uniform', samples: 1e6, seed: 2 });
  });
});

function fakeResult(mean: number, sdev: number, train: number, evaluate: number): IntegrationResult {
  const summary = {
    calls: evaluate,
    integral: { mean, sdev },
    expectation: [],
    events: [],
    ess: evaluate * 0.8,
    essFraction: 0.8,
    unweightingEfficiency: 0.4,
    maxWeight: 2.5,
    relativeVariance: 0.01,
    zeros: 0,
    nonFinite: 0,
    khat: 0.1,
    signed: false,
    verdict: { reliable: true, reasons: [] },
  };
  return {
    iflow: '0.1.0',
    command: 'integrate',
    method: train > 0 ? 'flow' : 'uniform',
    interrupted: false,
    problem: {
      expression: 'x1',
      dim: 2,
      bounds: [
        [0, 1],
        [0, 1],
      ],
      params: {},
      events: [],
    },
    seed: 1,
    backend: null,
    flow: null,
    training: null,
    estimate: summary,
    iterations: [],
    chi2: null,
    dof: 0,
    Q: null,
    baseline: null,
    reliable: true,
    comparison: null,
    calls: { adapt: 0, train, evaluate, baseline: 0 },
    seconds: { adapt: 0, train: 3, evaluate: 1, baseline: 0, total: 4.5 },
    adaptation: null,
    choice: null,
    target: null,
    warnings: ['w'],
  };
}

function fakeCase(): CaseResult {
  const exact = 0.9991862615750545;
  const flowRuns: RunRecord[] = [
    runRecord(fakeResult(0.99925, 1e-4, 500_000, 500_000), 1, exact, 0),
    runRecord(fakeResult(0.9991, 1e-4, 500_000, 500_000), 2, exact, 0),
  ];
  const uniRuns: RunRecord[] = [runRecord(fakeResult(0.9986, 1.7e-3, 0, 1_000_000), 1, exact, 0)];
  return {
    id: 'gauss_d2',
    integrand: 'gauss',
    expression: 'e',
    dim: 2,
    params: { alpha: 0.2 },
    exact,
    exactUncertainty: 0,
    plan: planFlowRun(DEFAULT_TUNING, 1e6),
    tuning: DEFAULT_TUNING,
    flow: { runs: flowRuns, summary: summarizeRuns(flowRuns, exact) },
    uniform: { runs: uniRuns, summary: summarizeRuns(uniRuns, exact) },
    references: referencesFor('gauss_d2', 1e6),
  };
}

describe('records and rendering', () => {
  test('runRecord counts training calls in the FoM', () => {
    const r = runRecord(fakeResult(1.01, 0.01, 300, 700), 3, 1, 0);
    expect(r).toMatchObject({
      seed: 3,
      calls: 1000,
      trainCalls: 300,
      evalCalls: 700,
      unweightingEfficiency: 0.4,
      seconds: 4.5,
      warnings: ['w'],
    });
    expect(r.fom).toBeCloseTo(1e-4 * 1000, 12);
    expect(r.pull).toBeCloseTo(1, 12);
  });

  test('FoM gains are geometric means of other / iflow over honest cases', () => {
    const c = fakeCase();
    const g = fomGains([c]);
    const flowFom = c.flow.summary.fom as number;
    expect(g.uniform).toBeCloseTo((c.uniform.summary.fom as number) / flowFom, 9);
    expect(g.vegasPlus).toBeCloseTo(c.references!.rows.vegas_plus.fom / flowFom, 9);
    const dishonest = { ...c, flow: { ...c.flow, summary: { ...c.flow.summary, maxAbsPull: 7 } } };
    expect(fomGains([dishonest]).uniform).toBeNull();
  });

  test('number formats', () => {
    expect(formatCalls(95000)).toBe('95000');
    expect(formatCalls(1e6)).toBe('1e6');
    expect(formatCalls(1_770_420)).toBe('1.77e6');
    expect(formatCalls(2.6e6)).toBe('2.6e6');
    expect(formatCalls(999_999)).toBe('1e6');
    expect(formatSci(0.01723)).toBe('1.72e-2');
    expect(formatSci(null)).toBe('-');
    expect(formatPull(1.234)).toBe('+1.23');
    expect(formatPull(-4.5)).toBe('-4.50 !');
    expect(formatPull(null)).toBe('n/a !');
  });

  test('a case block: iflow, uniform, three references and two peers', () => {
    const rows = caseRows(fakeCase());
    expect(rows.map((r) => r[1])).toEqual([
      'iflow (2 seeds)',
      'uniform (1 seed)',
      'GSL VEGAS [1e6]',
      'vegas+ (beta 0.75) [1e6]',
      'vegas classic [1e6]',
      'ZuNIS [2.6e6]',
      'MadNIS [2.6e6]',
    ]);
    for (const r of rows) expect(r).toHaveLength(HEADER.length);
    expect(rows[0][0]).toBe('gauss_d2');
    expect(rows[1][0]).toBe('');
    // iflow: combined 0.999175(71), FoM median of 1.0e-2 per run
    expect(rows[0][3]).toBe('0.999175(71)');
    expect(rows[0][6]).toBe('1.00e-2');
    expect(rows[0][9]).toMatch(/^\d\.\d\d \(2\)$/);
    expect(rows[2][6]).toBe('8.05e-5');
    expect(rows[2][9]).toBe('0.96 (10)');
  });

  test('the full report', () => {
    const c = fakeCase();
    const report: BenchReport = {
      iflow: '0.1.0',
      command: 'bench',
      budget: 1e6,
      seeds: 2,
      split: SPLIT_DESCRIPTION,
      backend: 'wasm',
      interrupted: false,
      cases: [c],
      pulls: { flow: pullStats(c.flow.runs), uniform: pullStats(c.uniform.runs) },
      gains: fomGains([c]),
      references: { source: 'x', methods: {} },
      seconds: 10,
    };
    const text = renderBench(report);
    expect(text).toMatch(/^iflow bench: N = 1e6 calls per run, 2 seeds, backend wasm\n/);
    expect(text).toContain(
      'gauss_d2: @gauss d = 2, alpha = 0.2, exact 0.999186261575055; iflow 500 x 1000 training + 500000 samples, lr 0.003, kl loss, 16 bins',
    );
    expect(text).toMatch(/pulls, iflow: RMS \d\.\d\d over 2 runs, max \|pull\| \d\.\d\d, 0 above 4/);
    expect(text).toMatch(/FoM gain of iflow .* over uniform \d/);
    const header = text.split('\n').find((l) => l.startsWith('case'));
    expect(header).toMatch(/^case\s+method\s+calls\s+estimate\s+rel\.err\s+pull\s+FoM\s+unw\.eff\s+seconds\s+pull RMS$/);
  });
});

test('summaries of made-up runs feed the pull statistics', () => {
  const runs = [1, 2, 3].map((s) =>
    makeRun(
      {
        seed: s,
        estimate: 1 + 0.01 * (s - 2),
        se: 0.01,
        calls: 10,
        trainCalls: 5,
        evalCalls: 5,
        unweightingEfficiency: 1,
        essFraction: 1,
        seconds: 1,
        trainSeconds: 0,
        warnings: [],
      },
      1,
    ),
  );
  expect(pullStats(runs).rms).toBeCloseTo(Math.sqrt(2 / 3), 9);
});
