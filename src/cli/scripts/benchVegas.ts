/**
 * `npm run bench:vegas`: the project's VEGAS+ on the anchor suite beside Lepage's vegas+
 * (src/bench/vegas.ts). One line per run on stderr as it finishes, then the table of all runs
 * on stdout.
 *
 * Usage: npm run build && npm run bench:vegas [-- --budgets 1e5,1e6 --seeds 1 --cases gauss_d4,camel_d4
 *   --alpha 0.5 --beta 0.75 --ninc 1000 --adapt-fraction 0.5 --iterations 10 --flat 0 --average 0]
 */
import { SUITE_IDS } from '../../bench/suite';
import { runVegasBench, type VegasBenchOptions } from '../../bench/vegas';

function parseArgs(argv: string[]): VegasBenchOptions {
  const args: VegasBenchOptions = { budgets: [1e5, 1e6], seeds: 1, cases: [...SUITE_IDS] };
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
  await runVegasBench(args, (row) => {
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
  });
  const widths = header.map((_, j) => Math.max(...lines.map((l) => l[j].length)));
  console.log(lines.map((l) => l.map((c, j) => (j === 0 ? c.padEnd(widths[j]) : c.padStart(widths[j]))).join('  ')).join('\n'));
  console.log(
    '\nratio = FoM / vegas+ median FoM over seeds 1-10 (seed-1 FoM where no median); lower is better; |pull| > 4: error not trustworthy',
  );
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
