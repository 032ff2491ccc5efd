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
  parseHistogramSpec,
  type ObservableOptions,
  type ObservableOptionsInput,
  type ObservableSpec,
  type ObservableSet,
  type HistogramSpec,
} from './options';
export { type ObservableMoments } from './moments';
export { type ObservablesSummary } from './summary';
