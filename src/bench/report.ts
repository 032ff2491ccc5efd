/**
 * The result document of `iflow bench` (what --json prints) and its pure parts: one run's
 * record from an integrate result, and the FoM gains over the reference methods.
 */
import type { IntegrationResult } from '../report/schema';
import type { CaseReferences } from './anchors';
import { geometricMean, makeRun, type PullStats, type RunRecord, type RunSummary } from './metrics';
import type { FlowTuning, RunPlan } from './suite';

/** The methods `iflow bench` runs itself: the flow and the uniform baseline. */
export type BenchMethod = 'flow' | 'uniform';

/**
 * One suite case of the bench: the problem, its exact value, the plan and tuning of the iflow
 * runs, every run and the summary per method, and the reference results.
 */
export interface CaseResult {
  id: string;
  integrand: string;
  expression: string;
  dim: number;
  params: Record<string, number>;
  exact: number;
  exactUncertainty: number;
  plan: RunPlan;
  tuning: FlowTuning;
  note?: string;
  flow: { runs: RunRecord[]; summary: RunSummary };
  uniform: { runs: RunRecord[]; summary: RunSummary };
  references: CaseReferences | null;
}

/** The result document of `iflow bench` (printed by --json). */
export interface BenchReport {
  iflow: string;
  command: 'bench';
  budget: number;
  seeds: number;
  /** How the budget of an iflow run is divided. */
  split: string;
  backend: string | null;
  /** True when the bench was interrupted and covers only the runs done. */
  interrupted: boolean;
  cases: CaseResult[];
  pulls: { flow: PullStats; uniform: PullStats };
  /** Geometric means over cases of FoM ratios (other / iflow): above 1 means iflow is better. */
  gains: { uniform: number | null; gslVegas: number | null; vegasPlus: number | null; vegasClassic: number | null };
  references: { source: string; methods: Record<string, string> };
  seconds: number;
}

/** How the budget N of a run is divided, as stated in the report's `split`. */
export const SPLIT_DESCRIPTION =
  'iflow: trainFraction x N calls of training (epochs x batch, default 1/2) and the rest as fresh evaluation samples; uniform: N samples';

/** RunRecord of one integrate result. */
export function runRecord(result: IntegrationResult, seed: number, exact: number, exactUncertainty: number): RunRecord {
  const e = result.estimate;
  return makeRun(
    {
      seed,
      estimate: e.integral.mean,
      se: e.integral.sdev,
      calls: result.calls.train + result.calls.evaluate,
      trainCalls: result.calls.train,
      evalCalls: result.calls.evaluate,
      unweightingEfficiency: e.unweightingEfficiency,
      essFraction: e.essFraction,
      seconds: result.seconds.total,
      trainSeconds: result.seconds.train,
      warnings: result.warnings,
    },
    exact,
    exactUncertainty,
  );
}

function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  return a != null && b != null && b > 0 ? a / b : null;
}

/** Geometric-mean FoM gains of iflow over the other methods, on cases with honest iflow errors. */
export function fomGains(cases: CaseResult[]): BenchReport['gains'] {
  const honest = cases.filter((c) => c.flow.summary.fom !== null && (c.flow.summary.maxAbsPull ?? Infinity) <= 4);
  const over = (f: (c: CaseResult) => number | null | undefined) =>
    geometricMean(honest.map((c) => ratio(f(c), c.flow.summary.fom)).filter((x): x is number => x !== null));
  return {
    uniform: over((c) => c.uniform.summary.fom),
    gslVegas: over((c) => c.references?.rows.gsl_vegas.fom),
    vegasPlus: over((c) => c.references?.rows.vegas_plus.fom),
    vegasClassic: over((c) => c.references?.rows.vegas_classic.fom),
  };
}
