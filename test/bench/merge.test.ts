import fs from 'fs';
import path from 'path';
import { mergeBenchReports, parseBenchReport, readBenchReport, type NamedReport } from '../../src/bench/merge';
import { makeRun, pullStats, summarizeRuns, type RunRecord } from '../../src/bench/metrics';
import { fomGains, SPLIT_DESCRIPTION, type BenchReport, type CaseResult } from '../../src/bench/report';
import { DEFAULT_TUNING, planFlowRun } from '../../src/bench/suite';
import { UsageError } from '../../src/errors';
import { run, runAsync, tempDir } from '../cli/helpers';

const EXACT: Record<string, number> = { gauss_d2: 0.9991862615750545, camel_d4: 0.97, poly_d3: 0.5 };

function fakeRun(seed: number, estimate: number, se: number, calls: number, train: number, exact: number): RunRecord {
  return makeRun(
    {
      seed,
      estimate,
      se,
      calls,
      trainCalls: train,
      evalCalls: calls - train,
      unweightingEfficiency: 0.1 * seed,
      essFraction: 0.5,
      seconds: seed,
      trainSeconds: 0,
      warnings: [],
    },
    exact,
  );
}

/** A one-case report with one flow and one uniform run per seed. */
function fakeReport(
  id: string,
  seeds: number[],
  opts: { budget?: number; backend?: string | null; interrupted?: boolean; seconds?: number } = {},
): BenchReport {
  const budget = opts.budget ?? 1e5;
  const exact = EXACT[id];
  const flow = seeds.map((s) => fakeRun(s, exact * (1 + 0.001 * (s - 1.5)), exact * 1e-3 * (1 + s / 10), budget, budget / 2, exact));
  const uniform = seeds.map((s) => fakeRun(s, exact * (1 - 0.01 * (s - 2)), exact * 1e-2, budget, 0, exact));
  const c: CaseResult = {
    id,
    integrand: id.split('_')[0],
    expression: 'x1',
    dim: Number(id.split('_d')[1]),
    params: {},
    exact,
    exactUncertainty: 0,
    plan: planFlowRun(DEFAULT_TUNING, budget),
    tuning: DEFAULT_TUNING,
    flow: { runs: flow, summary: summarizeRuns(flow, exact) },
    uniform: { runs: uniform, summary: summarizeRuns(uniform, exact) },
    references: null,
  };
  return {
    iflow: '0.1.0',
    command: 'bench',
    budget,
    seeds: seeds.length,
    split: SPLIT_DESCRIPTION,
    backend: opts.backend === undefined ? 'wasm' : opts.backend,
    interrupted: opts.interrupted ?? false,
    cases: [c],
    pulls: { flow: pullStats(flow), uniform: pullStats(uniform) },
    gains: fomGains([c]),
    references: { source: 'made up', methods: {} },
    seconds: opts.seconds ?? 10,
  };
}

/** As written by --json and read back. */
const named = (name: string, r: BenchReport): NamedReport => ({ name, report: parseBenchReport(name, JSON.parse(JSON.stringify(r))) });

const usage = (f: () => unknown): UsageError => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return e as UsageError;
  }
  throw new Error('expected a UsageError');
};

describe('mergeBenchReports', () => {
  test('two one-seed reports of one case equal the summaries of the concatenated runs', () => {
    const a = fakeReport('gauss_d2', [2], { seconds: 3, backend: 'wasm' });
    const b = fakeReport('gauss_d2', [1], { seconds: 4, backend: 'wasm' });
    const m = mergeBenchReports([named('a.json', a), named('b.json', b)]);
    const both = fakeReport('gauss_d2', [1, 2]);
    expect(m.cases).toHaveLength(1);
    const c = m.cases[0];
    // sorted by seed, whatever the file order
    expect(c.flow.runs.map((r) => r.seed)).toEqual([1, 2]);
    expect(c.uniform.runs.map((r) => r.seed)).toEqual([1, 2]);
    expect(c.flow).toEqual(both.cases[0].flow);
    expect(c.uniform).toEqual(both.cases[0].uniform);
    expect(c.flow.summary.runs).toBe(2);
    expect(m.pulls).toEqual(both.pulls);
    expect(m.gains).toEqual(both.gains);
    expect(m).toMatchObject({ command: 'bench', budget: 1e5, seeds: 2, seconds: 7, backend: 'wasm', interrupted: false, iflow: '0.1.0' });
    expect(Object.keys(m)).toEqual(Object.keys(both));
  });

  test('one report merged alone is unchanged', () => {
    const r = fakeReport('gauss_d2', [1, 2, 3]);
    expect(mergeBenchReports([named('r.json', r)])).toEqual(r);
  });

  test('different cases are kept, in suite order, then the others in order of appearance', () => {
    const m = mergeBenchReports([
      named('p.json', fakeReport('poly_d3', [1])),
      named('c.json', fakeReport('camel_d4', [1], { backend: 'tensorflow', interrupted: true })),
      named('g.json', fakeReport('gauss_d2', [1, 2], { backend: null })),
    ]);
    expect(m.cases.map((c) => c.id)).toEqual(['gauss_d2', 'camel_d4', 'poly_d3']);
    expect(m.cases.map((c) => c.flow.runs.length)).toEqual([2, 1, 1]);
    expect(m.seeds).toBe(2);
    expect(m.seconds).toBe(30);
    expect(m.backend).toBe('wasm,tensorflow');
    expect(m.interrupted).toBe(true);
    expect(m.pulls.flow.n).toBe(4);
    expect(m.pulls.uniform).toEqual(pullStats(m.cases.flatMap((c) => c.uniform.runs)));
    expect(m.gains).toEqual(fomGains(m.cases));
  });

  test('a (case, method, seed) twice is rejected, naming both files', () => {
    const e = usage(() =>
      mergeBenchReports([named('a.json', fakeReport('gauss_d2', [1, 2])), named('b.json', fakeReport('gauss_d2', [2]))]),
    );
    expect(e.message).toBe('case gauss_d2, iflow seed 2 appears in a.json and b.json');
    const same = named('a.json', fakeReport('camel_d4', [1]));
    expect(usage(() => mergeBenchReports([same, same])).message).toMatch(/camel_d4, iflow seed 1 appears twice in a\.json/);
    // another case at the same seed is fine
    expect(
      mergeBenchReports([named('a.json', fakeReport('gauss_d2', [1])), named('b.json', fakeReport('camel_d4', [1]))]).cases,
    ).toHaveLength(2);
  });

  test('reports of another budget or another case definition are rejected', () => {
    const e = usage(() =>
      mergeBenchReports([named('a.json', fakeReport('gauss_d2', [1])), named('b.json', fakeReport('camel_d4', [2], { budget: 1e6 }))]),
    );
    expect(e.message).toBe('b.json was run with budget 1e6, a.json with 1e5');
    const other = fakeReport('gauss_d2', [2]);
    other.cases[0].tuning = { ...DEFAULT_TUNING, lr: 0.01 };
    expect(usage(() => mergeBenchReports([named('a.json', fakeReport('gauss_d2', [1])), named('b.json', other)])).message).toBe(
      'case gauss_d2 differs between a.json and b.json (tuning)',
    );
    expect(() => mergeBenchReports([])).toThrow(UsageError);
  });
});

describe('reading reports', () => {
  test('what is not a bench report is a usage error naming the file', () => {
    expect(usage(() => parseBenchReport('x.json', [1, 2])).message).toMatch(
      /^x\.json is not an iflow bench report \(no "command": "bench"\)/,
    );
    expect(usage(() => parseBenchReport('x.json', { command: 'integrate' })).message).toMatch(
      /^x\.json is not an iflow bench report \("command": "integrate"\)/,
    );
    const r = JSON.parse(JSON.stringify(fakeReport('gauss_d2', [1]))) as { cases: { flow: { runs: { seed: unknown }[] } }[] };
    r.cases[0].flow.runs[0].seed = 'one';
    expect(usage(() => parseBenchReport('y.json', r)).message).toBe(
      'y.json is not a valid bench report: cases.0.flow.runs.0.seed: expected a number',
    );
  });

  test('files: missing, not JSON, valid', () => {
    const dir = tempDir('bench-merge');
    try {
      expect(usage(() => readBenchReport(path.join(dir, 'none.json'))).message).toMatch(/^cannot read .*none\.json \(no such file\)$/);
      const bad = path.join(dir, 'bad.json');
      fs.writeFileSync(bad, '{"command": "bench",');
      expect(usage(() => readBenchReport(bad)).message).toMatch(/bad\.json is not valid JSON/);
      const good = path.join(dir, 'good.json');
      const r = fakeReport('gauss_d2', [1]);
      fs.writeFileSync(good, JSON.stringify(r, null, 2));
      expect(readBenchReport(good)).toEqual({ name: good, report: r });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('iflow bench --from (built CLI)', () => {
  test('two one-seed pieces print as one two-seed bench', async () => {
    const dir = tempDir('bench-from');
    try {
      const piece = (seed: number) =>
        runAsync(['bench', '--cases', 'gauss_d2', '--budget', '2000', '--seeds', '1', '--first-seed', String(seed), '--json', '--quiet']);
      const [p1, p2] = await Promise.all([piece(1), piece(2)]);
      expect([p1.code, p1.stderr, p2.code, p2.stderr]).toEqual([0, '', 0, '']);
      const f1 = path.join(dir, 's1.json');
      const f2 = path.join(dir, 's2.json');
      fs.writeFileSync(f1, p1.stdout);
      fs.writeFileSync(f2, p2.stdout);

      const json = run(['bench', '--from', f2, f1, '--json']);
      expect(json.code).toBe(0);
      const m = JSON.parse(json.stdout) as BenchReport;
      const r1 = JSON.parse(p1.stdout) as BenchReport;
      const r2 = JSON.parse(p2.stdout) as BenchReport;
      expect(m).toMatchObject({ command: 'bench', budget: 2000, seeds: 2, interrupted: false, backend: r1.backend });
      expect(m.seconds).toBeCloseTo(r1.seconds + r2.seconds, 9);
      const runs = [...r1.cases[0].flow.runs, ...r2.cases[0].flow.runs];
      expect(m.cases[0].flow).toEqual({ runs, summary: summarizeRuns(runs, r1.cases[0].exact, r1.cases[0].exactUncertainty) });
      expect(m.cases[0].uniform.runs.map((r) => r.seed)).toEqual([1, 2]);

      const text = run(['bench', '--from', f1, f2]);
      expect(text.code).toBe(0);
      expect(text.stdout).toMatch(/^iflow bench: N = 2000 calls per run, 2 seeds, backend /);
      expect(text.stdout).toMatch(/^gauss_d2\s+iflow \(2 seeds\)/m);
      expect(text.stdout).toMatch(/^\s+uniform \(2 seeds\)/m);

      const dup = run(['bench', '--from', f1, f1]);
      expect(dup.code).toBe(2);
      expect(dup.stderr).toMatch(/seed 1 appears twice in .*s1\.json/);
      const mixed = run(['bench', '--from', f1, '--seeds', '2']);
      expect(mixed.code).toBe(2);
      expect(mixed.stderr).toMatch(/--from cannot be combined with --seeds/);
      expect(mixed.stdout).toBe('');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
