/**
 * The integration problem: the compiled integrand, its domain and the observables (events)
 * that are estimated alongside the integral. Built once from validated options.
 */
import { compileEvent, compileIntegrand, parseParam, type CompiledExpression } from './integrand';
import { OptionError, UsageError } from './errors';
import { defaultAxisMap, DomainMap, pilotAxisMaps, type AxisMap } from './domain';
import { compileObservables, type ObservableOptionsInput, type ObservableSet } from './observables/options';
import { singularityMaps } from './singular';

/**
 * An observable estimated alongside the integral: a compiled predicate (1 where true, 0 where
 * false); its estimate is P_p(A) = E_q[w 1_A] / E_q[w], the share of the integral where it holds.
 */
export interface EventSpec {
  /** The user's text, e.g. "x1 > 0.5" or "x3 >= 0.9" for --tail 0.9. */
  label: string;
  kernel: CompiledExpression;
}

/**
 * A validated integration problem: the integral of `integrand` over `bounds` (in the user's
 * coordinates x; a sampler draws u in (0,1)^d and maps it with `domain`), with named constants
 * `params` inlined into the compiled kernels and the observables `events`.
 */
export interface Problem {
  expression: string;
  dim: number;
  /** [lo, hi] per dimension; either end may be infinite. */
  bounds: [number, number][];
  /**
   * The map from the unit cube to the bounds and its Jacobian (src/domain.ts), with the power
   * maps at integrable singularities (src/singular.ts) under which VEGAS and the flow sample;
   * plain Monte Carlo samples `domain.withoutWarps()`.
   */
  domain: DomainMap;
  params: Record<string, number>;
  integrand: CompiledExpression;
  events: EventSpec[];
  /** Further integrands and observable histograms weighed on the same points (src/observables). */
  observables?: ObservableSet;
}

/**
 * What `buildProblem` needs: the expression in x1..xd (or the vector x), the dimension, bounds
 * (default [0,1] per axis), how infinite axes are mapped, `--param name=value` texts and
 * defaults, event predicates and tail thresholds.
 */
export interface ProblemInput {
  expression: string;
  dim: number;
  bounds?: [number, number][];
  /**
   * Scale of the maps of infinite axes: 'auto' (default) chooses centre and scale from a pilot
   * run of the integrand (seeded with `seed`); numbers (one for all axes or one per axis) give
   * the scale with centre 0 on the real line.
   */
  scale?: 'auto' | number[];
  /** Seed of the pilot run (default 1). */
  seed?: number;
  /** Axis maps given outright (a saved model's); they override `scale` and `powerMap`. */
  maps?: AxisMap[];
  /**
   * Power maps at integrable singularities of faces, edges and corners (src/singular.ts):
   * 'auto' (default) probes the integrand and bends the axes where it finds one; 'none' never.
   */
  powerMap?: 'auto' | 'none';
  param?: string[];
  /** Extra named constants (e.g. defaults of a library integrand) overridden by `param`. */
  defaults?: Record<string, number>;
  event?: string[];
  tail?: number[];
  /** Further integrands and observable histograms (src/observables/options.ts). */
  observables?: ObservableOptionsInput;
}

/** One [lo, hi] per dimension from zero, one or d intervals. */
function resolveBounds(dim: number, bounds?: [number, number][]): [number, number][] {
  if (!bounds || bounds.length === 0) return Array.from({ length: dim }, () => [0, 1]);
  if (bounds.length === 1) return Array.from({ length: dim }, () => [bounds[0][0], bounds[0][1]]);
  if (bounds.length !== dim) {
    throw new OptionError(
      `{bounds} has ${bounds.length} intervals but {dim} is ${dim}`,
      'give one lo:hi for all dimensions or exactly one per dimension',
    );
  }
  return bounds.map(([lo, hi]) => [lo, hi]);
}

/**
 * Compile the integrand and the events and set up the domain map (a pilot run of the integrand
 * when some axis is infinite and scale is 'auto'). Each `tail` value g adds one event
 * `xk >= g` per axis k.
 * @throws UsageError on a bad expression, parameter or event, bounds or scales that do not match
 *   `dim`, a volume that is not positive and finite, or saved axis maps that do not match the bounds.
 */
export function buildProblem(input: ProblemInput): Problem {
  const { dim } = input;
  const params: Record<string, number> = { ...(input.defaults ?? {}) };
  for (const text of input.param ?? []) {
    const [name, value] = parseParam(text);
    params[name] = value;
  }
  const bounds = resolveBounds(dim, input.bounds);
  const finiteVolume = bounds.reduce((v, [lo, hi]) => (Number.isFinite(lo) && Number.isFinite(hi) ? v * (hi - lo) : v), 1);
  if (!(finiteVolume > 0) || !Number.isFinite(finiteVolume)) {
    throw new UsageError(`the integration volume ${finiteVolume} is not a positive finite number`);
  }
  const integrand = compileIntegrand(input.expression, { dim, params });
  const domain = buildDomain(bounds, input, integrand);
  const events: EventSpec[] = [];
  for (const text of input.event ?? []) {
    events.push({ label: text.trim(), kernel: compileEvent(text, { dim, params }) });
  }
  for (const g of input.tail ?? []) {
    for (let k = 1; k <= dim; k++) {
      const label = `x${k} >= ${g}`;
      events.push({ label, kernel: compileEvent(label, { dim, params }) });
    }
  }
  const observables = compileObservables(input.observables, { dim, params });
  return { expression: input.expression, dim, bounds, domain, params, integrand, events, ...(observables ? { observables } : {}) };
}

/**
 * The domain map of the bounds: given maps, or given scales or a pilot run (see ProblemInput)
 * with the power maps of the singularity probe unless `powerMap` is 'none'.
 */
function buildDomain(bounds: [number, number][], input: ProblemInput, integrand: CompiledExpression): DomainMap {
  const dim = bounds.length;
  if (input.maps) {
    if (input.maps.length !== dim || input.maps.some((a, k) => a.kind !== defaultAxisMap(bounds[k][0], bounds[k][1]).kind)) {
      throw new UsageError('the saved axis maps do not match the bounds', 'the model file is inconsistent; save the model again');
    }
    return new DomainMap(input.maps.map((a) => ({ ...a })));
  }
  const scale = input.scale ?? 'auto';
  if (scale !== 'auto' && scale.length !== 1 && scale.length !== dim) {
    throw new OptionError(
      `{scale} has ${scale.length} values but {dim} is ${dim}`,
      'give one scale for all dimensions or exactly one per dimension',
    );
  }
  const domain =
    scale === 'auto'
      ? pilotAxisMaps(bounds, integrand, input.seed ?? 1)
      : new DomainMap(bounds.map(([lo, hi], k) => defaultAxisMap(lo, hi, scale.length === 1 ? scale[0] : scale[k])));
  return (input.powerMap ?? 'auto') === 'auto' ? singularityMaps(domain, integrand).domain : domain;
}
