/**
 * `npm run calibrate`: the calibration of the error bars and of the verdict (src/bench/calibrate.ts).
 * Progress lines (one per run) on stderr; a table of the pull RMS, coverages and verdicts per
 * case on stdout, or the rows as JSON with --json.
 *
 * Usage: node dist/cli/scripts/calibrate.js [--seeds 20] [--first-seed 1] [--cases gauss,power:1,...] [--json]
 */
import { calibrate, defaultCases, FAST, type CaseSpec } from '../../bench/calibrate';
import { renderTable, formatNumber } from '../../report/format';

function arg(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

async function main(argv: string[]): Promise<void> {
  const seeds = Number(arg(argv, '--seeds') ?? 20);
  const firstSeed = Number(arg(argv, '--first-seed') ?? 1);
  const spec = arg(argv, '--cases');
  const cases = spec
    ? spec.split(',').map((t): CaseSpec => {
        const [name, d] = t.split(':');
        const base = defaultCases.find((c) => c.name === name);
        return base ? { ...base, dim: Number(d ?? base.dim) } : { name, dim: Number(d ?? 2), options: FAST };
      })
    : defaultCases;
  const rows = await calibrate(cases, seeds, (s) => process.stderr.write(s + '\n'), firstSeed);
  if (argv.includes('--json')) {
    process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
    return;
  }
  process.stdout.write(
    renderTable(
      [
        'case',
        'seeds',
        'pull RMS',
        '1-sigma coverage',
        '2-sigma coverage',
        'mean rel. error',
        '|pull| > 3',
        'of which unreliable',
        'unreliable runs',
      ],
      rows.map((r) => [
        r.case,
        String(r.seeds),
        r.pullRms.toFixed(2),
        `${(100 * r.coverage1).toFixed(0)}%`,
        `${(100 * r.coverage2).toFixed(0)}%`,
        formatNumber(r.meanRelError, 3),
        String(r.largePulls),
        String(r.largePullsUnreliable),
        String(r.unreliable),
      ]),
      ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    ) + '\n',
  );
  process.stdout.write(
    'targets: pull RMS 0.8-1.2 (at most 1.3 on the heavy-tailed cases), 1-sigma coverage 60-76%, every run with |pull| > 3 unreliable\n',
  );
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((e) => {
    process.stderr.write(`calibrate: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
