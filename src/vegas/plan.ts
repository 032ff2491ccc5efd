/**
 * How a budget of integrand calls is split between the VEGAS adaptation and the final
 * estimate.
 *
 * Default: half the budget for the adaptation, in at most 20 iterations of budget / 40 calls
 * (it usually stops earlier, when the variance levels off, and the calls left go to the
 * estimate), and the other half in 10 final iterations; the adaptation's estimates are
 * discarded and the final iterations, with the map frozen and the stratification still
 * adapting between them, give the estimate. (vegas' reference runs: 10 + 10 iterations of
 * budget / 20, adapting throughout.)
 */
import { DEFAULT_ITERATIONS } from './sampler';

/** Final iterations unless chosen otherwise. */
const DEFAULT_FINAL_ITERATIONS = 10;

/** Split of a VEGAS budget (in integrand calls) between the adaptation and the final iterations. */
export interface VegasPlan {
  /** Adaptation iterations and the calls of each. */
  adaptIterations: number;
  adaptCalls: number;
  /** Calls of each final iteration (they sum to budget - adaptIterations x adaptCalls). */
  finalCalls: number[];
}

/**
 * Options of `planVegas`: iteration counts (defaults 20 adaptation, 10 final) and the adaptation's share of the budget.
 */
export interface PlanOptions {
  adaptIterations?: number;
  finalIterations?: number;
  /** Fraction of the budget spent on adaptation (default 0.5). */
  adaptFraction?: number;
}

/** Smallest budget `planVegas` accepts: 20 iterations of 100 calls. */
const MIN_VEGAS_BUDGET = 2000;

/**
 * Split `budget` calls: adaptFraction x budget over adaptIterations equal iterations, the
 * rest over finalIterations near-equal iterations.
 * @throws RangeError when the budget is not an integer >= MIN_VEGAS_BUDGET or the options are out of range.
 */
export function planVegas(budget: number, options: PlanOptions = {}): VegasPlan {
  if (!Number.isInteger(budget) || budget < MIN_VEGAS_BUDGET) {
    throw new RangeError(`planVegas: the budget must be an integer >= ${MIN_VEGAS_BUDGET}, got ${budget}`);
  }
  const adaptIterations = options.adaptIterations ?? DEFAULT_ITERATIONS;
  const finalIterations = options.finalIterations ?? DEFAULT_FINAL_ITERATIONS;
  const adaptFraction = options.adaptFraction ?? 0.5;
  if (!Number.isInteger(adaptIterations) || adaptIterations < 1)
    throw new RangeError(`planVegas: adaptIterations must be a positive integer`);
  if (!Number.isInteger(finalIterations) || finalIterations < 1)
    throw new RangeError(`planVegas: finalIterations must be a positive integer`);
  if (!(adaptFraction > 0 && adaptFraction < 1)) throw new RangeError(`planVegas: adaptFraction must lie in (0, 1)`);
  const adaptCalls = Math.floor((budget * adaptFraction) / adaptIterations);
  const rest = budget - adaptIterations * adaptCalls;
  return { adaptIterations, adaptCalls, finalCalls: splitCalls(rest, finalIterations) };
}

/** `calls` split into `parts` near-equal integers (the first ones the smaller). */
export function splitCalls(calls: number, parts: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < parts; i++) out.push(Math.floor((calls * (i + 1)) / parts) - Math.floor((calls * i) / parts));
  return out;
}
