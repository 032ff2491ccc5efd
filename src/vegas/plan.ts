/**
 * How a budget of integrand calls is split between the VEGAS adaptation and the final
 * estimate.
 *
 * Default (as the vegas runs of the reference suite): 10 adaptation iterations and 10
 * measurement iterations of budget / 20 calls each; the adaptation's estimates are
 * discarded and the measurement iterations, with the map frozen and the stratification
 * still adapting between them, give the estimate.
 */
import { DEFAULT_ITERATIONS } from './sampler';

export interface VegasPlan {
  /** Adaptation iterations and the calls of each. */
  adaptIterations: number;
  adaptCalls: number;
  /** Calls of each final iteration (they sum to budget - adaptIterations x adaptCalls). */
  finalCalls: number[];
}

export interface PlanOptions {
  adaptIterations?: number;
  finalIterations?: number;
  /** Fraction of the budget spent on adaptation (default 0.5). */
  adaptFraction?: number;
}

/** Smallest budget `planVegas` accepts: 20 iterations of 100 calls. */
export const MIN_VEGAS_BUDGET = 2000;

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
  const finalIterations = options.finalIterations ?? DEFAULT_ITERATIONS;
  const adaptFraction = options.adaptFraction ?? 0.5;
  if (!Number.isInteger(adaptIterations) || adaptIterations < 1) throw new RangeError(`planVegas: adaptIterations must be a positive integer`);
  if (!Number.isInteger(finalIterations) || finalIterations < 1) throw new RangeError(`planVegas: finalIterations must be a positive integer`);
  if (!(adaptFraction > 0 && adaptFraction < 1)) throw new RangeError(`planVegas: adaptFraction must lie in (0, 1)`);
  const adaptCalls = Math.floor((budget * adaptFraction) / adaptIterations);
  const rest = budget - adaptIterations * adaptCalls;
  const finalCalls: number[] = [];
  for (let i = 0; i < finalIterations; i++) {
    finalCalls.push(Math.floor((rest * (i + 1)) / finalIterations) - Math.floor((rest * i) / finalIterations));
  }
  return { adaptIterations, adaptCalls, finalCalls };
}
