/**
 * Calibration of the error bars (`npm run calibrate`): many seeds of the full pipeline on
 * integrands with known values; prints the RMS of the pulls (estimate - exact)/SE, which
 * should be near 1, and the coverage of the 1-sigma interval, which should be near 68%.
 *
 * Usage: node dist/bench/calibrate.js [--seeds 20] [--cases gauss:4,camel:4,circles:2] [--json]
 */
import { integrateOptionsSchema } from '../cli/options';
import { prepareProblem, runIntegrate } from '../integrate';
import { resolveIntegrand } from '../integrands';
import { renderTable, formatNumber } from '../report/format';

interface CaseSpec {
  name: string;
  dim: number;
  /** Training and evaluation settings for the case. */
  options: Record<string, unknown>;
}

const defaultCases: CaseSpec[] = [
  { name: 'gauss', dim: 4, options: { epochs: 100, batch: 2000, lr: 1e-2, samples: 50000 } },
  { name: 'camel', dim: 4, options: { epochs: 100, batch: 2000, lr: 1e-2, samples: 50000 } },
  { name: 'circles', dim: 2, options: { epochs: 100, batch: 2000, lr: 1e-2, samples: 50000 } },
];

export interface CalibrationRow {
  case: string;
  seeds: number;
  pullRms: number;
  coverage1: number;
  coverage2: number;
  meanRelError: number;
  heavyTailWarnings: number;
}

function arg(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

export async function calibrate(cases: CaseSpec[], seeds: number, log: (s: string) => void): Promise<CalibrationRow[]> {
  const rows: CalibrationRow[] = [];
  for (const c of cases) {
    const ref = resolveIntegrand('@' + c.name, c.dim);
    if (ref.exact === undefined) throw new Error(`${c.name} has no exact value`);
    const pulls: number[] = [];
    let rel = 0;
    let heavy = 0;
    for (let s = 1; s <= seeds; s++) {
      const options = integrateOptionsSchema.parse({
        expression: ref.expression,
        dim: ref.dim,
        seed: s,
        baseline: false,
        ...c.options,
      });
      const r = await runIntegrate(prepareProblem(options, ref.defaults));
      const e = r.estimate.integral;
      const pull = (e.mean - ref.exact) / e.sdev;
      pulls.push(pull);
      rel += e.sdev / Math.abs(ref.exact);
      if (r.warnings.some((w) => /heavy-tailed/.test(w))) heavy++;
      log(`${c.name} d=${c.dim} seed ${s}: ${e.mean.toPrecision(7)} ± ${e.sdev.toPrecision(2)}  pull ${pull.toFixed(2)}`);
    }
    const rms = Math.sqrt(pulls.reduce((a, p) => a + p * p, 0) / pulls.length);
    rows.push({
      case: `${c.name}_d${c.dim}`,
      seeds,
      pullRms: rms,
      coverage1: pulls.filter((p) => Math.abs(p) < 1).length / pulls.length,
      coverage2: pulls.filter((p) => Math.abs(p) < 2).length / pulls.length,
      meanRelError: rel / seeds,
      heavyTailWarnings: heavy,
    });
  }
  return rows;
}

async function main(argv: string[]): Promise<void> {
  const seeds = Number(arg(argv, '--seeds') ?? 20);
  const spec = arg(argv, '--cases');
  const cases = spec
    ? spec.split(',').map((t) => {
        const [name, d] = t.split(':');
        const base = defaultCases.find((c) => c.name === name);
        return { name, dim: Number(d ?? base?.dim ?? 2), options: base?.options ?? defaultCases[0].options };
      })
    : defaultCases;
  const rows = await calibrate(cases, seeds, (s) => process.stderr.write(s + '\n'));
  if (argv.includes('--json')) {
    process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
    return;
  }
  process.stdout.write(
    renderTable(
      ['case', 'seeds', 'pull RMS', '1-sigma coverage', '2-sigma coverage', 'mean rel. error', 'heavy-tail warnings'],
      rows.map((r) => [
        r.case,
        String(r.seeds),
        r.pullRms.toFixed(2),
        `${(100 * r.coverage1).toFixed(0)}%`,
        `${(100 * r.coverage2).toFixed(0)}%`,
        formatNumber(r.meanRelError, 3),
        String(r.heavyTailWarnings),
      ]),
      ['l', 'r', 'r', 'r', 'r', 'r', 'r'],
    ) + '\n',
  );
  process.stdout.write('targets: pull RMS 0.8-1.2, 1-sigma coverage 60-76%\n');
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((e) => {
    process.stderr.write(`calibrate: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
