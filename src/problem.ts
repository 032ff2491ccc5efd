/**
 * The integration problem: the compiled integrand, its domain and the observables (events)
 * that are estimated alongside the integral. Built once from validated options.
 */
import { compileEvent, compileIntegrand, parseParam, type CompiledExpression } from './integrand';
import { UsageError } from './errors';

export interface EventSpec {
  /** The user's text, e.g. "x1 > 0.5" or "x3 >= 0.9" for --tail 0.9. */
  label: string;
  kernel: CompiledExpression;
}

export interface Problem {
  expression: string;
  dim: number;
  /** [lo, hi] per dimension. */
  bounds: [number, number][];
  /** Product of the interval lengths: the Jacobian of the map from the unit cube. */
  volume: number;
  params: Record<string, number>;
  integrand: CompiledExpression;
  events: EventSpec[];
}

export interface ProblemInput {
  expression: string;
  dim: number;
  bounds?: [number, number][];
  param?: string[];
  /** Extra named constants (e.g. defaults of a library integrand) overridden by `param`. */
  defaults?: Record<string, number>;
  event?: string[];
  tail?: number[];
}

/** One [lo, hi] per dimension from zero, one or d intervals. */
export function resolveBounds(dim: number, bounds?: [number, number][]): [number, number][] {
  if (!bounds || bounds.length === 0) return Array.from({ length: dim }, () => [0, 1]);
  if (bounds.length === 1) return Array.from({ length: dim }, () => [bounds[0][0], bounds[0][1]]);
  if (bounds.length !== dim) {
    throw new UsageError(`--bounds has ${bounds.length} intervals but --dim is ${dim}`, 'give one lo:hi for all dimensions or exactly one per dimension');
  }
  return bounds.map(([lo, hi]) => [lo, hi]);
}

export function buildProblem(input: ProblemInput): Problem {
  const { dim } = input;
  const params: Record<string, number> = { ...(input.defaults ?? {}) };
  for (const text of input.param ?? []) {
    const [name, value] = parseParam(text);
    params[name] = value;
  }
  const bounds = resolveBounds(dim, input.bounds);
  const volume = bounds.reduce((v, [lo, hi]) => v * (hi - lo), 1);
  if (!(volume > 0) || !Number.isFinite(volume)) {
    throw new UsageError(`the integration volume ${volume} is not a positive finite number`);
  }
  const integrand = compileIntegrand(input.expression, { dim, params });
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
  return { expression: input.expression, dim, bounds, volume, params, integrand, events };
}
