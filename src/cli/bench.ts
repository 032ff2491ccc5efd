/** `iflow bench`: iflow against plain Monte Carlo and the reference integrators on the test suite. */
import { Command, Option } from 'commander';
import { z } from 'zod';
import { backendChoices } from '../backend';
import { renderBench, formatCalls, formatPull, formatSci } from '../bench/render';
import { runBench } from '../bench/run';
import { DEFAULT_BUDGET, DEFAULT_SEEDS, MIN_BUDGET, QUICK_BUDGET, SUITE_IDS } from '../bench/suite';
import { formatEstimate } from '../report/format';
import { dropUndefined, runCommand, type CommandContext } from './shared';

const count = (min: number, max: number) =>
  z.preprocess(
    (v) => (typeof v === 'string' ? (v.trim() === '' ? NaN : Number(v.trim().replace(/_/g, ''))) : v),
    z
      .number({ error: 'expected a number' })
      .int('expected a whole number')
      .min(min, `must be at least ${min}`)
      .max(max, `must be at most ${max}`),
  );

export const benchOptionsSchema = z
  .object({
    cases: z.preprocess(
      (v) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter((s) => s.length > 0) : v),
      z.array(z.string()).min(1, 'expected at least one case').optional(),
    ),
    budget: count(MIN_BUDGET, 1e10).optional(),
    seeds: count(1, 1000).optional(),
    quick: z.boolean().default(false),
    backend: z.enum(backendChoices).default('auto'),
    json: z.boolean().default(false),
    quiet: z.boolean().default(false),
    debug: z.boolean().default(false),
  })
  .strict();

export type BenchCliOptions = z.output<typeof benchOptionsSchema>;

export function benchCommand(ctx: CommandContext): Command {
  const cmd = new Command('bench')
    .description('benchmark iflow against plain Monte Carlo at equal total calls on the i-flow test suite, beside GSL VEGAS, vegas+ and NIS references')
    .option('--cases <id,id,...>', `cases to run (default: the suite: ${SUITE_IDS.join(', ')}); also <integrand>_d<d>`)
    .option('--budget <N>', `integrand calls per run, training included (default ${formatCalls(DEFAULT_BUDGET)})`)
    .option('--seeds <k>', `runs per case and method, seeds 1..k (default ${DEFAULT_SEEDS})`)
    .option('--quick', `a short run: --budget ${formatCalls(QUICK_BUDGET)} and 1 seed unless given`)
    .addOption(new Option('--backend <name>', 'TensorFlow.js backend').choices([...backendChoices]).default('auto'))
    .option('--json', 'print one JSON document instead of the table')
    .option('-q, --quiet', 'no progress on stderr')
    .option('--debug', 'stack traces on errors');
  cmd.addHelpText(
    'after',
    `
Each iflow run spends half of the N calls on training (epochs x batch) and half on fresh
evaluation samples; the uniform run spends all N on its estimate. FoM = (SE/exact)^2 x calls.

Examples:
  iflow bench --quick --cases gauss_d4,camel_d4
  iflow bench --cases circles_d2 --budget 1e6 --seeds 5 --json > circles.json`,
  );
  cmd.action(async (raw: Record<string, unknown>) => {
    await runCommand(ctx, raw, async () => {
      const o = benchOptionsSchema.parse(dropUndefined(raw));
      const budget = o.budget ?? (o.quick ? QUICK_BUDGET : DEFAULT_BUDGET);
      const seeds = o.seeds ?? (o.quick ? 1 : DEFAULT_SEEDS);
      const log = (line: string) => {
        if (!o.quiet) process.stderr.write(`${line}\n`);
      };
      const report = await runBench(
        { cases: o.cases, budget, seeds, backend: o.backend },
        {
          onRunEnd: (id, method, seed, run) =>
            log(
              `iflow bench: ${id} seed ${seed} ${method === 'flow' ? 'iflow  ' : 'uniform'} ${formatEstimate(run.estimate, run.se)}  pull ${formatPull(run.pull)}  FoM ${formatSci(run.fom)}  ${run.seconds.toFixed(1)} s`,
            ),
          interrupts: ctx.interrupts,
        },
      );
      ctx.write(o.json ? JSON.stringify(report, null, 2) + '\n' : renderBench(report));
      return report.partial ? 130 : 0;
    });
  });
  return cmd;
}
