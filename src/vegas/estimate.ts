/**
 * The final VEGAS+ estimate through the streaming estimator: each iteration streams its
 * points through `streamChunks` (weights, moments, E_p[x_k], events as for any sampler),
 * the sampler collects the weights per hypercube through `onSamples`, and the iteration's
 * Moments get the stratified Var(sum w).
 */
import { CHUNK, streamChunks, type StreamHooks } from '../estimate/evaluate';
import { emptyMoments, setStratifiedVariance, type Moments } from '../estimate/stats';
import { closeStrata } from '../observables/moments';
import type { Problem } from '../problem';
import type { Rng } from '../rng';
import type { NanPolicy } from '../sampling';
import {
  adaptVegas,
  samplerFor,
  unitIntegrandOf,
  type AdaptHooks,
  type AdaptOptions,
  type VegasAdaptation,
  type VegasSampler,
} from './sampler';
import { planVegas, splitCalls, type PlanOptions } from './plan';

/**
 * Run one iteration per entry of `iterationCalls` (each at least `sampler.minCalls`) and
 * return their Moments, each with `varSumW` set. The map stays frozen; the allocation adapts
 * between iterations. When `hooks.shouldStop` stops a run, the unfinished iteration is
 * returned as it is (fewer samples than planned, its mean not the stratified estimate) and no
 * further iteration starts.
 * @throws RangeError when an iteration has fewer than sampler.minCalls calls;
 *   NumericalError from the estimator on non-finite values (nan: 'error').
 */
export async function estimateWithVegas(
  problem: Problem,
  sampler: VegasSampler,
  iterationCalls: number[],
  nan: NanPolicy,
  hooks: StreamHooks = {},
  stage = 'the VEGAS estimate',
): Promise<Moments[]> {
  const out: Moments[] = [];
  const chained: StreamHooks = {
    ...hooks,
    onSamples: (x, w, n, u) => {
      sampler.onSamples(x, w, n, u);
      hooks.onSamples?.(x, w, n, u);
    },
  };
  for (const calls of iterationCalls) {
    sampler.beginIteration(calls);
    const m = emptyMoments(problem.dim, problem.events.length);
    await streamChunks(problem, calls, CHUNK, m, nan, stage, chained, (k) => sampler.draw(k));
    setStratifiedVariance(m, sampler.endIteration());
    if (m.observables) closeStrata(m.observables);
    if (m.n > 0) out.push(m);
    if (m.n < calls) break;
  }
  return out;
}

/** Everything `runVegas` did: the adaptation, the final sampler and its iterations' Moments. */
export interface VegasRun {
  adaptation: VegasAdaptation;
  sampler: VegasSampler;
  /** Moments of the final iterations, each with varSumW. */
  iterations: Moments[];
  /** Integrand calls in all (adaptation included). */
  calls: number;
}

/**
 * Options of `runVegas`: the budget split (`PlanOptions`), the adaptation's settings and the
 * handling of non-finite integrand values (default 'error': NumericalError).
 */
export interface VegasRunOptions extends PlanOptions, Omit<AdaptOptions, 'callsPerIteration' | 'iterations'> {
  nan?: NanPolicy;
}

/**
 * VEGAS+ with a budget of calls: `planVegas` splits it, `adaptVegas` trains the map and the
 * strata (rngTrain), the calls an early stop saves go to the final iterations, which run
 * through the streaming estimator (rngEval). Pool the iterations with `mergeMoments` and take
 * `integralEstimate` for the integral (its sdev from the stratified variances).
 * @throws RangeError on bad options; NumericalError on non-finite values (nan: 'error').
 */
export async function runVegas(
  problem: Problem,
  budget: number,
  rngTrain: Rng,
  rngEval: Rng,
  options: VegasRunOptions = {},
  hooks: { adapt?: AdaptHooks; stream?: StreamHooks } = {},
): Promise<VegasRun> {
  const plan = planVegas(budget, options);
  const nan = options.nan ?? 'error';
  const adaptation = await adaptVegas(
    unitIntegrandOf(problem),
    problem.dim,
    rngTrain,
    { ...options, nan, callsPerIteration: plan.adaptCalls, iterations: plan.adaptIterations },
    hooks.adapt,
  );
  const finalCalls = splitCalls(budget - adaptation.calls, plan.finalCalls.length);
  const sampler = samplerFor(adaptation, Math.min(...finalCalls), rngEval, {
    beta: options.beta,
    adaptiveFraction: options.adaptiveFraction,
  });
  const stop = hooks.stream?.shouldStop?.() || hooks.adapt?.shouldStop?.();
  const iterations = stop ? [] : await estimateWithVegas(problem, sampler, finalCalls, nan, hooks.stream);
  return { adaptation, sampler, iterations, calls: adaptation.calls + iterations.reduce((a, m) => a + m.n, 0) };
}
