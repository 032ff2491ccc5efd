/**
 * Library entry point: the same pipeline as the `iflow` command, for use from JavaScript.
 *
 *   const options = integrateOptionsSchema.parse({ expression: 'x1*x2', dim: 2 });
 *   const result = await runIntegrate(prepareProblem(options));
 *
 * Further integrands and observable histograms on the same points:
 *
 *   const prepared = prepareProblem(options, undefined, undefined, {
 *     also: [{ expression: 'cos(3*x1 + x2)', label: 'Re' }],
 *     histograms: [parseHistogramSpec('x1+x2:0:2:40')],
 *   });
 */
export { integrateOptionsSchema, type IntegrateOptions } from './options';
export { prepareProblem, runIntegrate, runIntegrateDetailed, type RunHooks } from './integrate';
export { resultSchema, type IntegrationResult, type Summary } from './report/schema';
export { paretoKHat, fitGeneralizedPareto } from './estimate/tail';
export { judgeEstimate, type Verdict } from './estimate/verdict';
export { renderText } from './report/text';
export { formatEstimate } from './report/format';
export { compileIntegrand, compileEvent, type CompiledExpression } from './integrand';
export { Flow, defaultFlowConfig } from './flow/flow';
export { buildMasks, minLayers } from './flow/masks';
export { initBackend, type BackendChoice } from './backend';
export { UsageError, NumericalError } from './errors';
export { MarginalHistograms, marginalDensities } from './estimate/histograms';
export { type HistogramData, type ObservablesReport } from './report/schema';
export { observableOptionsSchema, parseHistogramSpec, type ObservableOptionsInput } from './observables';
