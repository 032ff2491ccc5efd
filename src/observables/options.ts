/**
 * Options of the quantities estimated on the sample of F = ∫ f besides F itself:
 *
 *  - further integrands G_k = ∫ g_k over the same domain, weighed on the same points
 *    (importance weights g_k/q beside f/q), with their covariance and the ratios G_k/F;
 *  - histograms of observables h(x): per bin the integral of f over {x: h(x) in bin},
 *    optionally divided by F (a normalised distribution of h under p = f/F).
 *
 * The zod schema is self-contained so that it can be merged into the core options schema;
 * `compileObservables` turns validated options into kernels (the integrand compiler of
 * src/integrand, never a per-point mathjs evaluation).
 */
import * as z from 'zod';
import { OptionError, UsageError } from '../errors';
import { parseNumber } from '../numbers';
import { compileIntegrand, type CompileOptions, type CompiledExpression } from '../integrand';

/** Most bins of one observable histogram (memory: 2 float64 sums per bin and iteration). */
const MAX_HIST_BINS = 100_000;

const finite = z.number().refine(Number.isFinite, 'expected a finite number');

/** A further integrand g_k: its expression (as for the main integrand) and a label (default "G<k>"). */
const alsoSchema = z.object({
  expression: z.string().refine((s) => s.trim() !== '', 'the expression is empty'),
  label: z.string().optional(),
});

/** A histogram of the observable h(x) with `bins` equal bins of [lo, hi). */
const histogramSpecSchema = z
  .object({
    observable: z.string().refine((s) => s.trim() !== '', 'the observable is empty'),
    lo: finite,
    hi: finite,
    bins: z.number().int().min(1).max(MAX_HIST_BINS),
  })
  .refine((h) => h.lo < h.hi, { message: 'lo must be below hi' })
  .refine((h) => Number.isFinite(h.hi - h.lo), { message: 'hi - lo must be a finite number' });

/**
 * The option fields: `also` (further integrands), `histograms` (observable histograms) and
 * `histNormalize` (histogram contents divided by F). All optional; absent means none.
 */
export const observableOptionsSchema = z.object({
  also: z.array(alsoSchema).default([]),
  histograms: z.array(histogramSpecSchema).default([]),
  histNormalize: z.boolean().default(false),
});

/** Observable options as given (defaults may be left out). */
export type ObservableOptionsInput = z.input<typeof observableOptionsSchema>;
/** Observable options as validated by `observableOptionsSchema`, defaults filled in. */
export type ObservableOptions = z.output<typeof observableOptionsSchema>;
/** One validated histogram request: observable h(x), [lo, hi) and the bin count. */
export type HistogramSpec = z.output<typeof histogramSpecSchema>;

/**
 * The plain-data description of what is estimated besides F (labels resolved): what a result
 * or a partial document records, and what two documents must share to be merged.
 */
export const observableSpecSchema = z.object({
  also: z.array(z.object({ expression: z.string(), label: z.string() })),
  histograms: z.array(z.object({ observable: z.string(), lo: finite, hi: finite, bins: z.number().int().positive() })),
  histNormalize: z.boolean(),
});
/** The resolved description of what is estimated besides F (`observableSpecSchema`). */
export type ObservableSpec = z.output<typeof observableSpecSchema>;

/** Compiled observables of a problem: the spec and one kernel per integrand and per histogram. */
export interface ObservableSet {
  spec: ObservableSpec;
  /** Kernels of g_1..g_m, in the order of spec.also. */
  also: CompiledExpression[];
  /** Kernels of the observables h, in the order of spec.histograms. */
  histograms: CompiledExpression[];
}

/** The spec of validated options: labels default to G1, G2, ... and must be distinct. */
function specOf(options: ObservableOptions): ObservableSpec {
  for (const a of options.also) {
    if (a.label !== undefined && a.label.trim() === '')
      throw new OptionError('an {alsoLabel} is empty', 'give each label a name, e.g. {alsoLabel} re');
    if (a.label?.trim() === 'F')
      throw new OptionError('the label "F" names the main integral', 'give the further integrand another {alsoLabel}');
  }
  const also = options.also.map((a, k) => ({ expression: a.expression.trim(), label: a.label?.trim() || `G${k + 1}` }));
  const seen = new Set<string>();
  for (const a of also) {
    if (seen.has(a.label))
      throw new OptionError(`the label "${a.label}" is given to two integrands`, 'give each {also} its own {alsoLabel}');
    seen.add(a.label);
  }
  return {
    also,
    histograms: options.histograms.map((h) => ({ observable: h.observable.trim(), lo: h.lo, hi: h.hi, bins: h.bins })),
    histNormalize: options.histNormalize,
  };
}

/** True when the options ask for nothing besides F. */
function isEmptySpec(spec: ObservableSpec): boolean {
  return spec.also.length === 0 && spec.histograms.length === 0;
}

/**
 * Compile the options' expressions for a problem of `opts.dim` dimensions with its params.
 * Returns null when nothing is asked for. Parses raw input with the schema first.
 * @throws UsageError on invalid options or an expression that does not compile (a boolean is
 *   taken as 1/0, as for the integrand).
 */
export function compileObservables(
  input: ObservableOptionsInput | ObservableOptions | undefined,
  opts: CompileOptions,
): ObservableSet | null {
  if (input === undefined) return null;
  const parsed = observableOptionsSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`invalid observable options: ${issue.path.join('.') || 'value'}: ${issue.message}`);
  }
  const spec = specOf(parsed.data);
  if (isEmptySpec(spec)) return null;
  const compile = (what: string, expr: string) => {
    try {
      return compileIntegrand(expr, opts);
    } catch (e) {
      if (e instanceof UsageError) throw new UsageError(`${what} "${expr}": ${e.message}`, e.hint);
      throw e;
    }
  };
  return {
    spec,
    also: spec.also.map((a) => compile(`the integrand ${a.label}`, a.expression)),
    histograms: spec.histograms.map((h) => compile('the observable', h.observable)),
  };
}

/**
 * Parse the text form of a histogram, "<expr>:lo:hi:bins" (the last three fields are split off
 * from the right, so the expression may contain ':'), e.g. "x1+x2:0:2:40".
 * @throws UsageError when a field is missing or not a number, or lo >= hi, or bins is not a
 *   whole number from 1 to MAX_HIST_BINS.
 */
export function parseHistogramSpec(text: string): HistogramSpec {
  const parts = text.split(':');
  const hint = 'write {hist} "<expression>:lo:hi:bins", e.g. {hist} "x1+x2:0:2:40"';
  if (parts.length < 4) throw new OptionError(`{hist} "${text}" needs an expression, lo, hi and a bin count`, hint);
  const bins = parts.pop() as string;
  const hi = parts.pop() as string;
  const lo = parts.pop() as string;
  const observable = parts.join(':');
  const parsed = histogramSpecSchema.safeParse({ observable, lo: parseNumber(lo), hi: parseNumber(hi), bins: parseNumber(bins) });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new OptionError(`{hist} "${text}": ${issue.path.join('.') || 'range'}: ${issue.message}`, hint);
  }
  return parsed.data;
}

/** The option fields that describe the observables, as the core options hold them (src/options.ts). */
export interface ObservableFields {
  /** Further integrands g_k, in order. */
  also: string[];
  /** Labels of the first further integrands, in the same order (the rest get G<k>). */
  alsoLabel: string[];
  /** Histograms in their text form "<expression>:lo:hi:bins". */
  hist: string[];
  histNormalize: boolean;
}

/**
 * The observable options of the core options' fields.
 * @throws OptionError when there are more labels than further integrands, a histogram's text
 *   is malformed, or histNormalize is set without a histogram.
 */
export function observablesOf(fields: ObservableFields): ObservableOptionsInput {
  if (fields.alsoLabel.length > fields.also.length) {
    throw new OptionError(
      `${fields.alsoLabel.length} {alsoLabel} for ${fields.also.length} {also}`,
      'labels pair with the further integrands by position: the first {alsoLabel} names the first {also}',
    );
  }
  if (fields.histNormalize && fields.hist.length === 0) {
    throw new OptionError('{histNormalize} needs a {hist}', 'add {hist} "<expression>:lo:hi:bins"');
  }
  return {
    also: fields.also.map((expression, k) => ({ expression, label: fields.alsoLabel[k] })),
    histograms: fields.hist.map(parseHistogramSpec),
    histNormalize: fields.histNormalize,
  };
}
