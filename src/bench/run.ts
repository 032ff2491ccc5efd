/**
 * `iflow bench`: iflow and plain Monte Carlo at equal total calls on the test suite, over
 * several seeds, beside the reference results of anchors.json.
 */
import type { BackendChoice } from '../backend';
import { integrateOptionsSchema } from '../options';
import { UsageError } from '../errors';
import { prepareProblem, runIntegrate } from '../integrate';
import { listIntegrands, resolveIntegrand } from '../integrands';
import { VERSION } from '../version';
import { anchors, referencesFor } from './anchors';
import { pullStats, summarizeRuns, type RunRecord } from './metrics';
import { SPLIT_DESCRIPTION, fomGains, runRecord, type BenchMethod, type BenchReport, type CaseResult } from './report';
import { DEFAULT_BUDGET, DEFAULT_SEEDS, SUITE_IDS, findCase, flowRunOptions, planFlowRun, uniformRunOptions } from './suite';

export type { BenchMethod, BenchReport, CaseResult } from './report';

/** Options of `runBench`: case ids (default the suite), calls per run, seeds per case, backend. */
export interface BenchOptions {
  cases?: string[];
  budget?: number;
  seeds?: number;
  /** First seed (default 1): seeds firstSeed .. firstSeed + seeds - 1. */
  firstSeed?: number;
  backend?: BackendChoice;
}

/**
 * Callbacks of `runBench`: before and after each run (case, method, seed), and the count of
 * interrupts received so far (an interrupt cuts the current run short, leaves it out and ends
 * the bench with the cases done so far).
 */
export interface BenchHooks {
  onRunStart?: (caseId: string, method: BenchMethod, seed: number) => void;
  onRunEnd?: (caseId: string, method: BenchMethod, seed: number, run: RunRecord) => void;
  interrupts?: () => number;
}

/**
 * Run every case: for each seed, iflow (flow) and plain Monte Carlo (uniform) at the same total
 * calls, then their pulls against the exact value, FoM gains and the anchors' reference rows.
 * Every case is resolved and planned before the first run.
 * Throws UsageError for an unknown case or an integrand without an exact value, OptionError for
 * a budget below MIN_BUDGET.
 */
export async function runBench(options: BenchOptions, hooks: BenchHooks = {}): Promise<BenchReport> {
  const t0 = Date.now();
  const budget = options.budget ?? DEFAULT_BUDGET;
  const seeds = options.seeds ?? DEFAULT_SEEDS;
  const backend = options.backend ?? 'auto';
  const names = listIntegrands().map((e) => e.name);
  const ids = options.cases && options.cases.length > 0 ? options.cases : [...SUITE_IDS];
  // resolve and plan every case first, so that bad input fails before any run
  const planned = ids.map((id) => {
    const c = findCase(id, names);
    const r = resolveIntegrand(`@${c.integrand}`, c.dim, c.params);
    if (r.exact === undefined) throw new UsageError(`bench case ${id}: @${c.integrand} has no exact value (${r.exactMissing})`);
    return { c, r, plan: planFlowRun(c.tuning, budget) };
  });
  const interruptRequested = () => (hooks.interrupts?.() ?? 0) > 0;
  let interrupted = false;
  let backendName: string | null = null;
  const results: CaseResult[] = [];
  for (const { c, r, plan } of planned) {
    if (interrupted) break;
    const exact = r.exact as number;
    const exactUnc = r.exactUncertainty ?? 0;
    const runs: Record<BenchMethod, RunRecord[]> = { flow: [], uniform: [] };
    const first = options.firstSeed ?? 1;
    for (let seed = first; seed < first + seeds && !interrupted; seed++) {
      for (const method of ['flow', 'uniform'] as const) {
        hooks.onRunStart?.(c.id, method, seed);
        const input = method === 'flow' ? flowRunOptions(c, r, plan, seed, backend) : uniformRunOptions(r, budget, seed);
        const prepared = prepareProblem(integrateOptionsSchema.parse(input), r.defaults);
        const result = await runIntegrate(prepared, { interrupts: hooks.interrupts });
        if (result.backend) backendName = result.backend.name;
        if (result.interrupted || interruptRequested()) {
          interrupted = true;
          break;
        }
        const rec = runRecord(result, seed, exact, exactUnc);
        runs[method].push(rec);
        hooks.onRunEnd?.(c.id, method, seed, rec);
      }
    }
    if (runs.flow.length === 0 && runs.uniform.length === 0) break;
    results.push({
      id: c.id,
      integrand: c.integrand,
      expression: r.expression,
      dim: r.dim,
      params: Object.fromEntries(Object.entries(r.defaults).filter(([k]) => k !== 'dim')),
      exact,
      exactUncertainty: exactUnc,
      plan,
      tuning: c.tuning,
      ...(c.note ? { note: c.note } : {}),
      flow: { runs: runs.flow, summary: summarizeRuns(runs.flow, exact, exactUnc) },
      uniform: { runs: runs.uniform, summary: summarizeRuns(runs.uniform, exact, exactUnc) },
      references: referencesFor(c.id, budget),
    });
  }
  const src = anchors().source;
  return {
    iflow: VERSION,
    command: 'bench',
    budget,
    seeds,
    split: SPLIT_DESCRIPTION,
    backend: backendName,
    interrupted,
    cases: results,
    pulls: {
      flow: pullStats(results.flatMap((c) => c.flow.runs)),
      uniform: pullStats(results.flatMap((c) => c.uniform.runs)),
    },
    gains: fomGains(results),
    references: { source: src.description, methods: src.methods },
    seconds: (Date.now() - t0) / 1000,
  };
}
