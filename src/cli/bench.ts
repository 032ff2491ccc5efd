/** `iflow bench`: iflow against plain Monte Carlo and the reference integrators on the test suite. */
import { Command } from 'commander';
import { mergeBenchReports, readBenchReport } from '../bench/merge';
import { renderBench, formatCalls, formatPull, formatSci } from '../bench/render';
import { runBench } from '../bench/run';
import { DEFAULT_BUDGET, DEFAULT_SEEDS, QUICK_BUDGET, SUITE_IDS } from '../bench/suite';
import { UsageError } from '../errors';
import { formatEstimate } from '../report/format';
import { addFlags } from './flags';
import { benchOptionsSchema, type BenchCliOptions } from './options';
import { dropUndefined, runCommand, type CommandContext } from './shared';
import { machineReference, renderTtp, runTtp, TTP_METHODS } from '../bench/ttp';

export { benchOptionsSchema, type BenchCliOptions } from './options';

/** `iflow bench --ttp`: the time-to-precision table (see src/bench/ttp.ts). */
async function runTtpCommand(ctx: CommandContext, o: BenchCliOptions): Promise<number> {
  const methods = o.methods ?? [...TTP_METHODS];
  const start = machineReference();
  const rows = await runTtp(
    {
      cases: o.cases ?? [...SUITE_IDS],
      targets: o.targets ?? [1e-3, 1e-4],
      methods,
      seeds: o.seeds ?? DEFAULT_SEEDS,
      maxTime: o.maxTime ?? 60,
    },
    {
      onRun: (row, run) => {
        if (o.quiet) return;
        const what =
          run.error ??
          `${run.reached ? 'reached' : 'not reached'}, pull ${run.pull === null ? '-' : run.pull.toFixed(2)}, ${run.calls} calls, ${run.sampler}`;
        process.stderr.write(
          `iflow bench: ${row.case} ${row.target} ${row.method} seed ${run.seed}: ${run.seconds.toFixed(2)} s (${what})\n`,
        );
      },
      interrupted: () => ctx.interrupts() > 0,
    },
  );
  const reference = { start, end: machineReference() };
  ctx.write(o.json ? JSON.stringify({ reference, rows }, null, 2) + '\n' : renderTtp(rows, methods, reference));
  return ctx.interrupts() > 0 ? 130 : 0;
}

/**
 * The `bench` subcommand: iflow against plain Monte Carlo on the suite (runBench), the
 * time-to-precision comparison (--ttp), or the merge of finished reports (--from); a table or
 * JSON on stdout, progress lines on stderr. Exits 130 when interrupted, 2 (UsageError) when
 * --from is combined with run options.
 */
export function benchCommand(ctx: CommandContext): Command {
  const cmd = new Command('bench').description(
    'benchmark iflow against plain Monte Carlo at equal total calls on the i-flow test suite, beside GSL VEGAS, vegas+ and NIS references',
  );
  addFlags(cmd, 'bench');
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
          for (const p of parts)
            if (p.report.interrupted) process.stderr.write(`iflow bench: ${p.name} is a partial report (an interrupted run)\n`);
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
