/**
 * Benchmark: the project's VEGAS+ on the anchor suite beside Lepage's vegas (VEGAS+, beta
 * 0.75) from anchors.json.
 *
 * For each case and budget N: adaptation and final iterations as `planVegas(N)` splits them
 * (by default 10 + 10 iterations of N/20 calls, as the reference runs), the final estimate
 * through the streaming estimator (weights, moments and E_p[x] as in any run). Gives the
 * figure of merit FoM = (sdev/exact)^2 x calls (adaptation calls included), the pull, chi2/dof
 * of the final iterations and the wall time, beside vegas+'s seed-1 FoM, its median FoM over
 * seeds 1-10 and its seconds (the table is printed by src/cli/scripts/benchVegas.ts,
 * `npm run bench:vegas`).
 */
import { chi2OfIterations, integralEstimate, mergeMoments, emptyMoments } from '../estimate/stats';
import { resolveIntegrand } from '../integrands';
import { buildProblem } from '../problem';
import { Rng, Stream } from '../rng';
import { runVegas } from '../vegas';
import { referencesFor } from './anchors';
import { figureOfMerit, pull } from './metrics';
import { SUITE } from './suite';

/**
 * What runVegasBench runs: budgets (calls per run), seeds 1..seeds and suite case ids; the
 * remaining fields override runVegas's settings (alpha, beta, ninc, adaptFraction, adaptation
 * iterations, flatTolerance, averageMaps) where given.
 */
export interface VegasBenchOptions {
  budgets: number[];
  seeds: number;
  cases: string[];
  alpha?: number;
  beta?: number;
  ninc?: number;
  adaptFraction?: number;
  iterations?: number;
  flat?: number;
  average?: number;
}

/**
 * One run: calls (adaptation included), the pooled estimate and its sdev, FoM and pull (null
 * when undefined), chi2/dof of the final iterations, wall and CPU seconds, the strata
 * (adaptation/final), and vegas+'s seed-1 FoM, median FoM over 10 seeds and seconds (null where
 * anchors.json has none).
 */
export interface VegasBenchRow {
  id: string;
  budget: number;
  seed: number;
  calls: number;
  adaptCalls: number;
  estimate: number;
  sdev: number;
  fom: number | null;
  pull: number | null;
  chi2dof: number;
  seconds: number;
  /** CPU time of the process during the run (user + system; the machine may be shared). */
  cpuSeconds: number;
  adaptSeconds: number;
  nstrat: string;
  refFom: number | null;
  refMedianFom: number | null;
  refSeconds: number | null;
}

async function runCase(id: string, budget: number, seed: number, args: VegasBenchOptions): Promise<VegasBenchRow> {
  const c = SUITE.find((s) => s.id === id);
  if (!c) throw new Error(`unknown suite case ${id}`);
  const r = resolveIntegrand(`@${c.integrand}`, c.dim, c.params);
  const problem = buildProblem({ expression: r.expression, dim: r.dim, defaults: r.defaults });
  const exact = r.exact as number;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const run = await runVegas(problem, budget, new Rng(seed, Stream.train), new Rng(seed, Stream.evaluate), {
    adaptIterations: args.iterations,
    adaptFraction: args.adaptFraction,
    alpha: args.alpha,
    beta: args.beta,
    ninc: args.ninc,
    flatTolerance: args.flat,
    averageMaps: args.average,
  });
  const { adaptation, sampler, iterations: its } = run;
  const strata = sampler.strata;
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const pooled = its.reduce((a, b) => mergeMoments(a, b), emptyMoments(problem.dim, problem.events.length));
  const est = integralEstimate(pooled);
  const chi = chi2OfIterations(its.map(integralEstimate));
  const calls = run.calls;
  const refs = referencesFor(id, budget);
  return {
    id,
    budget,
    seed,
    calls,
    adaptCalls: adaptation.calls,
    estimate: est.mean,
    sdev: est.sdev,
    fom: figureOfMerit(est.sdev, exact, calls),
    pull: pull(est.mean, est.sdev, exact, r.exactUncertainty ?? 0),
    chi2dof: chi.dof > 0 ? chi.chi2 / chi.dof : 0,
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    adaptSeconds: adaptation.seconds,
    nstrat: `${adaptation.settings.nstrat.join('x')}/${Array.from(strata.nstrat).join('x')}`,
    refFom: refs ? refs.rows.vegas_plus.fom : null,
    refMedianFom: refs?.seeds10 ? refs.seeds10.vegas_plus.medianFom : null,
    refSeconds: refs ? refs.rows.vegas_plus.seconds : null,
  };
}

/**
 * Run every budget, case and seed (in that nesting order); `onRow` sees each row as it is
 * finished. Returns the rows in the same order. Throws Error for an unknown suite case.
 */
export async function runVegasBench(options: VegasBenchOptions, onRow: (row: VegasBenchRow) => void = () => {}): Promise<VegasBenchRow[]> {
  const rows: VegasBenchRow[] = [];
  for (const budget of options.budgets) {
    for (const id of options.cases) {
      for (let seed = 1; seed <= options.seeds; seed++) {
        const row = await runCase(id, budget, seed, options);
        rows.push(row);
        onRow(row);
      }
    }
  }
  return rows;
}
