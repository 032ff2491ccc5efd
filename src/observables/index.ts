/**
 * Further integrands G_k = ∫ g_k and histograms of observables h(x), weighed on the points of
 * F = ∫ f (see options.ts for the option shapes, moments.ts for the float64 statistics and
 * their merge, summary.ts for the estimates in the result).
 *
 * Core use: `prepareProblem(options, defaults, maps, observables)` (src/integrate.ts) with
 * `observables` of `observableOptionsSchema`; the result then has `observables`
 * (src/report/schema.ts, observablesResultSchema) and `--partial` documents carry the sums.
 */
export {
  observableOptionsSchema,
  observableSpecSchema,
  alsoSchema,
  histogramSpecSchema,
  parseHistogramSpec,
  compileObservables,
  specOf,
  MAX_HIST_BINS,
  type ObservableOptions,
  type ObservableOptionsInput,
  type ObservableSpec,
  type ObservableSet,
  type HistogramSpec,
} from './options';
export { mergeObservableMoments, closeStrata, type ObservableMoments } from './moments';
export { summarizeObservables, covarianceMatrix, integralOf, ratioToF, histogramEstimates, type ObservablesSummary } from './summary';
