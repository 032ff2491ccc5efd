/** Shared inputs of the verdict tests. */
import type { WeightDiagnostics } from '../../src/estimate/verdict';

/** The weight diagnostics of a clean estimate (no reason for an unreliable verdict). */
export const goodDiagnostics: WeightDiagnostics = {
  calls: 100000,
  integral: { mean: 1, sdev: 0.001 },
  essFraction: 0.9,
  maxWeight: 3,
  unweightingEfficiency: 0.33,
  khat: 0.1,
  nonFinite: 0,
};
