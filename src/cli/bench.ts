/** `iflow bench`: iflow against plain Monte Carlo and the reference integrators on the test suite. */
import { Command, Option } from 'commander';
import { z } from 'zod';
import { backendChoices } from '../backend';
import { mergeBenchReports, readBenchReport } from '../bench/merge';
import { renderBench, formatCalls, formatPull, formatSci } from '../bench/render';
import { runBench } from '../bench/run';
import { DEFAULT_BUDGET, DEFAULT_SEEDS, MIN_BUDGET, QUICK_BUDGET, SUITE_IDS } from '../bench/suite';
import { UsageError } from '../errors';
import { formatEstimate } from '../report/format';
import { int } from './options';
import { dropUndefined, runCommand, type CommandContext } from './shared';
import { machineReference, renderTtp, runTtp, TTP_METHODS } from '../bench/ttp';

/** `iflow bench --ttp`: the time-to-precision table (see src/bench/ttp.ts). */
async function runTtpCommand(ctx: CommandContext, o: BenchCliOptions): Promise<number> {
  const methods = o.methods ?? [...TTP_METHODS];
  const start = machineReference();
  const rows = await runTtp(
    { cases: o.cases ?? [...SUITE_IDS], targets: o.targets ?? [1e-3, 1e-4], methods, seeds: o.seeds ?? DEFAULT_SEEDS, maxTime: o.maxTime ?? 60 },
    {
      onRun: (row, run) => {
        if (o.quiet) return;
        const what = run.error ?? `${run.reached ? 'reached' : 'not reached'}, pull ${run.pull === null ? '-' : run.pull.toFixed(2)}, ${run.calls} calls, ${run.sampler}`;
        process.stderr.write(`iflow bench: ${row.case} ${row.target} ${row.method} seed ${run.seed}: ${run.seconds.toFixed(2)} s (${what})\n`);
      },
      interrupted: () => ctx.interrupts() > 0,
    },
  );
  const reference = { start, end: machineReference() };
  ctx.write(o.json ? JSON.stringify({ reference, rows }, null, 2) + '\n' : renderTtp(rows, methods, reference));
  return ctx.interrupts() > 0 ? 130 : 0;
}

/** A whole number from a JSON number or a numeric string ("1e7" and "1_000_000" too). */
const count = int;

export const benchOptionsSchema = z
  .object({
    cases: z.preprocess(
      (v) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter((s) => s.length > 0) : v),
      z.array(z.string()).min(1, 'expected at least one case').optional(),
    ),
    budget: count(MIN_BUDGET, 1e10).optional(),
    seeds: count(1, 1000).optional(),
    firstSeed: count(1, 1_000_000).optional(),
    from: z.array(z.string()).min(1, 'expected at least one file').optional(),
    quick: z.boolean().default(false),
    ttp: z.boolean().default(false),
    targets: z.preprocess(
      (v) => (typeof v === 'string' ? v.split(',').map((t) => Number(t.trim())) : v),
      z.array(z.number().positive('each target must be a positive relative error').max(1, 'each target must be at most 1')).min(1).optional(),
    ),
    methods: z.preprocess(
      (v) => (typeof v === 'string' ? v.split(',').map((t) => t.trim()) : v),
      z.array(z.enum(TTP_METHODS)).min(1).optional(),
    ),
    maxTime: z.preprocess((v) => (typeof v === 'string' ? Number(v) : v), z.number().positive('must be positive').optional()),
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
    .option('--first-seed <s>', 'start the seeds at s instead of 1 (to split a bench over processes)')
    .option('--quick', `a short run: --budget ${formatCalls(QUICK_BUDGET)} and 1 seed unless given`)
    .option('--ttp', 'time to precision instead: whole-process seconds of `iflow integrate --rel-error r` per case, target and method, beside vegas+ (about 1-2 hours for the whole suite; narrow it with --cases, --methods, --targets, --seeds)')
    .option('--targets <r,r,...>', 'with --ttp: relative errors (default 1e-3,1e-4)')
    .option('--methods <m,m,...>', `with --ttp: methods among ${TTP_METHODS.join(', ')} (default all)`)
    .option('--max-time <s>', 'with --ttp: --max-time of each run (default 60)')
    .option('--from <file...>', 'run nothing: merge reports written by bench --json (other cases or seeds, one budget) into one')
    .addOption(new Option('--backend <name>', 'TensorFlow.js backend').choices([...backendChoices]).default('auto'))
    .option('--json', 'print one JSON document instead of the table')
    .option('-q, --quiet', 'no progress on stderr')
    .option('--debug', 'stack traces on errors');
  cmd.addHelpText(
    'after',
    `
Without flags the whole suite runs (${SUITE_IDS.length} cases x ${DEFAULT_SEEDS} seeds x ${formatCalls(DEFAULT_BUDGET)} calls):
an hour or more on a CPU. --quick is a short run.

Each iflow run spends half of the N calls on training (epochs x batch) and half on fresh
evaluation samples; the uniform run spends all N on its estimate. FoM = (SE/exact)^2 x calls.

Examples:
  iflow bench --quick --cases gauss_d4,camel_d4
  iflow bench --cases circles_d2 --budget 1e6 --seeds 5 --json > circles.json
  iflow bench --cases camel_d8 --seeds 1 --first-seed 2 --json > camel_d8-s2.json   (one piece)
  iflow bench --from camel_d8-s*.json gauss_d8-s*.json   (the pieces as one report)`,
  );
  cmd.action(async (raw: Record<string, unknown>) => {
    await runCommand(ctx, raw, async () => {
      const o = benchOptionsSchema.parse(dropUndefined(raw));
      if (o.from) {
        const given = [
          o.cases && '--cases',
          o.budget !== undefined && '--budget',
          o.seeds !== undefined && '--seeds',
          o.firstSeed !== undefined && '--first-seed',
          o.quick && '--quick',
          cmd.getOptionValueSource('backend') === 'cli' && '--backend',
        ].filter((f): f is string => typeof f === 'string');
        if (given.length > 0) {
          throw new UsageError(`--from cannot be combined with ${given.join(', ')}`, '--from merges finished reports and runs nothing');
        }
        const parts = o.from.map(readBenchReport);
        if (!o.quiet) {
          for (const p of parts) if (p.report.interrupted) process.stderr.write(`iflow bench: ${p.name} is a partial report (an interrupted run)\n`);
        }
        const merged = mergeBenchReports(parts);
        ctx.write(o.json ? JSON.stringify(merged, null, 2) + '\n' : renderBench(merged));
        return 0;
      }
      if (o.ttp) return runTtpCommand(ctx, o);
      const budget = o.budget ?? (o.quick ? QUICK_BUDGET : DEFAULT_BUDGET);
      const seeds = o.seeds ?? (o.quick ? 1 : DEFAULT_SEEDS);
      const log = (line: string) => {
        if (!o.quiet) process.stderr.write(`${line}\n`);
      };
      const caseCount = o.cases?.length ?? SUITE_IDS.length;
      log(
        `iflow bench: ${caseCount} case(s) x ${seeds} seed(s) at ${formatCalls(budget)} calls per run` +
          (budget >= DEFAULT_BUDGET && caseCount * seeds > 3
            ? ': expect an hour or more (a 1e6-call iflow run trains for 25 s to 12 min on a CPU); --quick is a short run, and Ctrl-C stops and reports what is done'
            : ''),
      );
      const report = await runBench(
        { cases: o.cases, budget, seeds, firstSeed: o.firstSeed, backend: o.backend },
        {
          onRunEnd: (id, method, seed, run) =>
            log(
              `iflow bench: ${id} seed ${seed} ${method === 'flow' ? 'iflow  ' : 'uniform'} ${formatEstimate(run.estimate, run.se)}  pull ${formatPull(run.pull)}  FoM ${formatSci(run.fom)}  ${run.seconds.toFixed(1)} s`,
            ),
          interrupts: ctx.interrupts,
        },
      );
      ctx.write(o.json ? JSON.stringify(report, null, 2) + '\n' : renderBench(report));
      return report.interrupted ? 130 : 0;
    });
  });
  return cmd;
}
