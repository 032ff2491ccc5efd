/**
 * VEGAS+ (Lepage 1978, 2021): the adaptive map, the adaptive stratification, the sampler for
 * the streaming estimator and the adaptation loop.
 */
export { AdaptiveMap, DEFAULT_NINC, type AdaptiveMapJSON } from './map';
export {
  DEFAULT_ADAPTIVE_FRACTION,
  DEFAULT_BETA,
  MIN_PER_HYPERCUBE,
  Stratification,
  chooseStrata,
  type StratificationJSON,
  type StratifiedVariance,
} from './stratify';
export {
  DEFAULT_ALPHA,
  DEFAULT_AVERAGE_MAPS,
  DEFAULT_FLAT_TOLERANCE,
  DEFAULT_ITERATIONS,
  DEFAULT_MIN_ITERATIONS,
  VegasSampler,
  adaptVegas,
  defaultNinc,
  drawFromMap,
  samplerFor,
  isFlat,
  unitIntegrandOf,
  type AdaptHooks,
  type AdaptOptions,
  type AdaptationRow,
  type SamplerOptions,
  type UnitIntegrand,
  type VegasAdaptation,
  type VegasDraw,
} from './sampler';
export { DEFAULT_FINAL_ITERATIONS, MIN_VEGAS_BUDGET, planVegas, splitCalls, type PlanOptions, type VegasPlan } from './plan';
export { estimateWithVegas, runVegas, type VegasRun, type VegasRunOptions } from './estimate';
