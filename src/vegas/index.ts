/**
 * VEGAS+ (Lepage 1978, 2021): the adaptive map, the adaptive stratification, the sampler for
 * the streaming estimator and the adaptation loop.
 */
export { AdaptiveMap, type AdaptiveMapJSON } from './map';
export { Stratification, chooseStrata, type StratificationJSON, type StratifiedVariance } from './stratify';
export {
  VegasSampler,
  adaptVegas,
  drawFromMap,
  samplerFor,
  unitIntegrandOf,
  type AdaptHooks,
  type AdaptOptions,
  type AdaptationRow,
  type SamplerOptions,
  type UnitIntegrand,
  type VegasAdaptation,
  type VegasDraw,
} from './sampler';
export { planVegas, type PlanOptions, type VegasPlan } from './plan';
export { estimateWithVegas, runVegas, type VegasRun, type VegasRunOptions } from './estimate';
