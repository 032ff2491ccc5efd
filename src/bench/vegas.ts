/**
 * Benchmark: the project's VEGAS+ on the anchor suite beside Lepage's vegas (VEGAS+, beta
 * 0.75) from anchors.json.
 *
 * For each case and budget N: adaptation and final iterations as `planVegas(N)` splits them
 * (by default 10 + 10 iterations of N/20 calls, as the reference runs), the final estimate
 * through the streaming estimator (weights, moments and E_p[x] as in any run). Prints the
 * figure of merit FoM = (sdev/exact)^2 x calls (adaptation calls included), the pull, chi2/dof
 * of the final iterations and the wall time, beside vegas+'s seed-1 FoM, its median FoM over
 * seeds 1-10 and its seconds.
 *
 * Usage: npm run build && npm run bench:vegas [-- --budgets 1e5,1e6 --seeds 1 --cases gauss_d4,camel_d4
 *   --alpha 0.5 --beta 0.75 --ninc 1000 --adapt-fraction 0.5 --iterations 10 --flat 0]
 */
import { chi2OfIterations, integralEstimate, mergeMoments, emptyMoments } from '../estimate/stats';
import { resolveIntegrand } from '../integrands';
import { buildProblem } from '../problem';
import { Rng, Stream } from '../rng';
import { runVegas } from '../vegas';
import { referencesFor } from './anchors';
import { figureOfMerit, pull } from './metrics';
import { SUITE, SUITE_IDS } from './suite';

interface Args {
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

function parseArgs(argv: string[]): Args {
  const args: Args = { budgets: [1e5, 1e6], seeds: 1, cases: [...SUITE_IDS] };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i];
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`missing value for ${key}`);
    const num = Number(value);
    switch (key) {
      case '--budgets':
        args.budgets = value.split(',').map(Number);
        break;
      case '--seeds':
        args.seeds = num;
        break;
      case '--cases':
        args.cases = value.split(',');
        break;
      case '--alpha':
        args.alpha = num;
        break;
      case '--beta':
        args.beta = num;
        break;
      case '--ninc':
        args.ninc = num;
        break;
      case '--adapt-fraction':
        args.adaptFraction = num;
        break;
      case '--iterations':
        args.iterations = num;
        break;
      case '--flat':
        args.flat = num;
        break;
      case '--average':
        args.average = num;
        break;
      default:
        throw new Error(`unknown option ${key}`);
    }
  }
  return args;
}

interface Row {
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

async function runCase(id: string, budget: number, seed: number, args: Args): Promise<Row> {
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

const fmt = (v: number | null, digits = 2): string => (v === null || !Number.isFinite(v) ? '-' : v.toExponential(digits));
const fix = (v: number | null, digits = 2): string => (v === null || !Number.isFinite(v) ? '-' : v.toFixed(digits));

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  console.log(`VEGAS+ (this project) vs Lepage's vegas+ (anchors.json), node ${process.version}`);
  const header = [
    'case',
    'N',
    'seed',
    'calls',
    'strata',
    'FoM',
    'vegas+ FoM',
    'median(10)',
    'ratio',
    'pull',
    'chi2/dof',
    'seconds',
    'cpu s',
    'vegas+ s',
  ];
  const lines: string[][] = [header];
  for (const budget of args.budgets) {
    for (const id of args.cases) {
      for (let seed = 1; seed <= args.seeds; seed++) {
        const row = await runCase(id, budget, seed, args);
        const ref = row.refMedianFom ?? row.refFom;
        const line = [
          row.id,
          row.budget.toExponential(0),
          String(row.seed),
          String(row.calls),
          row.nstrat,
          fmt(row.fom),
          fmt(row.refFom),
          fmt(row.refMedianFom),
          row.fom !== null && ref !== null ? fix(row.fom / ref) : '-',
          fix(row.pull),
          fix(row.chi2dof),
          fix(row.seconds, 3),
          fix(row.cpuSeconds, 3),
          fix(row.refSeconds, 3),
        ];
        lines.push(line);
        process.stderr.write(`${line.join('  ')}\n`);
      }
    }
  }
  const widths = header.map((_, j) => Math.max(...lines.map((l) => l[j].length)));
  console.log(lines.map((l) => l.map((c, j) => (j === 0 ? c.padEnd(widths[j]) : c.padStart(widths[j]))).join('  ')).join('\n'));
  console.log(
    '\nratio = FoM / vegas+ median FoM over seeds 1-10 (seed-1 FoM where no median); lower is better; |pull| > 4: error not trustworthy',
  );
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
