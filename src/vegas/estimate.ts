/**
 * The final VEGAS+ estimate through the streaming estimator: each iteration streams its
 * points through `streamChunks` (weights, moments, E_p[x_k], events as for any sampler),
 * the sampler collects the weights per hypercube through `onSamples`, and the iteration's
 * Moments get the stratified Var(sum w).
 */
import { CHUNK, streamChunks, type NanPolicy, type StreamHooks } from '../estimate/evaluate';
import { emptyMoments, setStratifiedVariance, type Moments } from '../estimate/stats';
import type { Problem } from '../problem';
import type { VegasSampler } from './sampler';

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
    if (m.n > 0) out.push(m);
    if (m.n < calls) break;
  }
  return out;
}
