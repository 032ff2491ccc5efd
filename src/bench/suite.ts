/**
 * The benchmark cases and how iflow is run on each of them.
 *
 * The default cases are those of the anchor suite (the i-flow paper's test functions, with
 * reference results in anchors.json). Any library integrand can also be benchmarked as
 * `<name>_d<d>` (e.g. triangle_d2), with the default tuning and no reference rows.
 *
 * Budget split: every run of iflow makes exactly N integrand calls. A fraction `trainFraction`
 * of N goes to training (epochs x batch, one fresh batch per epoch) and the rest to the fresh
 * evaluation samples of the final estimate. The uniform Monte Carlo run spends all N calls on
 * its estimate. The batch is `tuning.batch` at large budgets; at smaller budgets it shrinks
 * (down to MIN_BATCH points) so that about STEPS training steps still fit: many small
 * steps train the flow better than a few large ones (at N = 1e5, 250 steps of 200 points
 * gave a 3 to 6 times lower FoM on gauss_d4 and camel_d4 than 50 steps of 1000).
 */
import type { IntegrateOptionsInput, LossKind } from '../options';
import type { BackendChoice } from '../backend';
import type { SplineKind } from '../flow/types';
import { OptionError, UsageError } from '../errors';

/** The flow and training settings of a bench case; the epochs and batch follow from the budget (`planFlowRun`). */
export interface FlowTuning {
  /** Fraction of the budget spent on training; the rest are evaluation samples. */
  trainFraction: number;
  /** Points per training step (upper bound; see STEPS). */
  batch: number;
  /** Adam learning rate. */
  lr: number;
  /** Bins per spline. */
  bins: number;
  spline?: SplineKind;
  hidden?: number[];
  loss?: LossKind;
  /**
   * Learning rate of the last epoch as a fraction of `lr`: the rate decays exponentially,
   * lr (1 - decay)^epoch with decay = 1 - lrEnd^(1/epochs), whatever the number of epochs.
   */
  lrEnd?: number;
  /** Tempering (see --anneal): fraction of the epochs and the first exponent. */
  anneal?: number;
  annealStart?: number;
}

/** One bench case: a library integrand in a given dimension with its parameters and flow tuning. */
export interface BenchCase {
  /** Case id, e.g. camel_d8 (anchor ids for the suite). */
  id: string;
  /** Library integrand name (integrands/<name>.json). */
  integrand: string;
  dim: number;
  /** Parameter values (the library defaults where empty). */
  params: Record<string, number>;
  tuning: FlowTuning;
  /** Remarks on the tuning, or on how iflow fares on this case. */
  note?: string;
}

/**
 * Target number of training steps: the batch is (training calls) / STEPS, capped at
 * `tuning.batch` (more steps at large budgets) and raised to MIN_BATCH (fewer steps at small ones).
 */
export const STEPS = 250;
/** Smallest batch the budget split chooses. */
export const MIN_BATCH = 100;
/** Smallest budget (calls per run) the bench accepts. */
export const MIN_BUDGET = 2000;
/** Integrand calls per run (training included) when no budget is given. */
export const DEFAULT_BUDGET = 1_000_000;
/** Integrand calls per run of `iflow bench --quick`. */
export const QUICK_BUDGET = 100_000;
/** Seeds per case when none are given. */
export const DEFAULT_SEEDS = 3;

/**
 * Default tuning: half the budget for training in steps of 1000 points (500 steps at N = 1e6),
 * Adam at 3e-3 without decay, 16-bin rational-quadratic splines, and the KL divergence as the
 * loss. At N = 1e6 (seed 1) this gave the lowest FoM on gauss and camel for d >= 4 among:
 * lr 3e-3, 5e-3 and 1e-2 with and without decay, batches of 500, 1000 and 2000 points, 16 or
 * 32 bins, variance, KL and Hellinger losses. lr 1e-2 loses the peak in d >= 8.
 */
export const DEFAULT_TUNING: FlowTuning = { trainFraction: 0.5, batch: 1000, lr: 3e-3, bins: 16, loss: 'kl' };

const tuned = (overrides: Partial<FlowTuning> = {}): FlowTuning => ({ ...DEFAULT_TUNING, ...overrides });

/** d = 2: twice as many steps of half the size, variance loss (lower FoM on all four 2-d cases). */
const twoDim = tuned({ batch: 500, loss: 'variance' });

/** The anchor suite, in the order of anchors.json. */
export const SUITE: readonly BenchCase[] = [
  { id: 'gauss_d2', integrand: 'gauss', dim: 2, params: { alpha: 0.2 }, tuning: twoDim },
  { id: 'gauss_d4', integrand: 'gauss', dim: 4, params: { alpha: 0.2 }, tuning: tuned() },
  { id: 'gauss_d8', integrand: 'gauss', dim: 8, params: { alpha: 0.2 }, tuning: tuned() },
  { id: 'gauss_d16', integrand: 'gauss', dim: 16, params: { alpha: 0.2 }, tuning: tuned() },
  { id: 'camel_d2', integrand: 'camel', dim: 2, params: { alpha: 0.2 }, tuning: twoDim },
  { id: 'camel_d4', integrand: 'camel', dim: 4, params: { alpha: 0.2 }, tuning: tuned() },
  { id: 'camel_d8', integrand: 'camel', dim: 8, params: { alpha: 0.2 }, tuning: tuned() },
  {
    id: 'camel_d16',
    integrand: 'camel',
    dim: 16,
    params: { alpha: 0.2 },
    tuning: tuned({ anneal: 0.5, annealStart: 0.1 }),
    note: 'tempered training (|f|^beta, beta from 0.1 to 1 over the first half of the epochs) against the collapse onto one of the two peaks that VEGAS also suffers',
  },
  { id: 'circles_d2', integrand: 'circles', dim: 2, params: { a: 3, w: 250, p1: 0.4, p2: 0.6, r: 0.25 }, tuning: twoDim },
  { id: 'annulus_d2', integrand: 'annulus', dim: 2, params: { r_inner: 0.2, r_outer: 0.45 }, tuning: twoDim },
  {
    id: 'narrow_gauss_d4',
    integrand: 'narrow_gauss',
    dim: 4,
    params: { alpha: 0.05 },
    tuning: tuned({ loss: 'variance' }),
    note: 'variance loss: lower FoM than KL on this sharp peak; the peak fills 6e-5 of the cube, so at small budgets (small batches) training can miss it entirely (pull far beyond 4)',
  },
];

/** The ids of the anchor suite's cases, in order (the default case list). */
export const SUITE_IDS: readonly string[] = SUITE.map((c) => c.id);

/** The case with this id: a suite case, or `<integrand>_d<d>` for any library integrand. */
export function findCase(id: string, knownIntegrands: readonly string[]): BenchCase {
  const suite = SUITE.find((c) => c.id === id);
  if (suite) return suite;
  const m = /^([a-z][a-z0-9_]*)_d(\d+)$/.exec(id);
  if (m && knownIntegrands.includes(m[1])) {
    return { id, integrand: m[1], dim: Number(m[2]), params: {}, tuning: tuned() };
  }
  throw new UsageError(
    `unknown bench case "${id}"`,
    `suite cases: ${SUITE_IDS.join(', ')}; or <integrand>_d<d> for a library integrand (${knownIntegrands.join(', ')})`,
  );
}

/**
 * How one flow run spends its budget (calls): `epochs` x `batch` = `trainCalls` training calls
 * and `samples` evaluation calls, summing to `budget`.
 */
export interface RunPlan {
  budget: number;
  epochs: number;
  batch: number;
  trainCalls: number;
  samples: number;
}

/** Epochs, batch and evaluation samples that spend exactly `budget` calls. */
export function planFlowRun(tuning: FlowTuning, budget: number): RunPlan {
  if (!Number.isInteger(budget) || budget < MIN_BUDGET) {
    throw new OptionError(`{budget} ${budget} is too small`, `give at least ${MIN_BUDGET} calls per run`);
  }
  const target = Math.floor(budget * tuning.trainFraction);
  const batch = Math.max(16, Math.min(tuning.batch, Math.max(MIN_BATCH, Math.floor(target / STEPS))));
  const epochs = Math.max(1, Math.floor(target / batch));
  const trainCalls = epochs * batch;
  const samples = budget - trainCalls;
  if (samples < 2) {
    throw new OptionError(
      `{budget} ${budget} leaves no calls for the estimate after training`,
      `give at least ${MIN_BUDGET} calls per run`,
    );
  }
  return { budget, epochs, batch, trainCalls, samples };
}

/** Per-epoch decay that takes the learning rate from lr to lrEnd x lr over `epochs` epochs. */
export function decayFor(tuning: FlowTuning, epochs: number): number {
  if (tuning.lrEnd === undefined || tuning.lrEnd >= 1 || epochs < 1) return 0;
  return 1 - tuning.lrEnd ** (1 / epochs);
}

/** The integrand of a case as resolved from the library: its expression and dimension. */
export interface ResolvedCase {
  expression: string;
  dim: number;
}

/** Options of the iflow run (no baseline: the uniform run is separate). */
export function flowRunOptions(c: BenchCase, r: ResolvedCase, plan: RunPlan, seed: number, backend: BackendChoice): IntegrateOptionsInput {
  const t = c.tuning;
  return {
    expression: r.expression,
    dim: r.dim,
    seed,
    backend,
    method: 'flow',
    // the paper's bare flow, as in the stored results (bench/results) and the tables of the README
    premap: 'none',
    spline: t.spline ?? 'rqs',
    bins: t.bins,
    ...(t.hidden ? { hidden: t.hidden } : {}),
    loss: t.loss ?? 'variance',
    epochs: plan.epochs,
    batch: plan.batch,
    lr: t.lr,
    decay: decayFor(t, plan.epochs),
    ...(t.anneal ? { anneal: t.anneal, annealStart: t.annealStart ?? 0.1 } : {}),
    samples: plan.samples,
    baseline: false,
  };
}

/** Options of the plain Monte Carlo run with the whole budget. */
export function uniformRunOptions(r: ResolvedCase, budget: number, seed: number): IntegrateOptionsInput {
  return {
    expression: r.expression,
    dim: r.dim,
    seed,
    method: 'uniform',
    samples: budget,
    baseline: false,
  };
}
