/** `iflow integrate`: flags -> schema -> runIntegrate -> text or JSON on stdout. */
import { Command } from 'commander';
import { prepareProblem, runIntegrateDetailed } from '../integrate';
import { expandIntegrandRef } from '../integrands';
import { integrateCommandSchema, type IntegrateCommandOptions } from './options';
import { addFlags } from './flags';
import { createReporter } from './progress';
import { checkRunOptions, checkSaveTarget, libraryInfo, renderRun, trySaveRunModel } from './runOutput';
import { checkPlotOptions, plotRecorder, writeRunPlots } from './plotOutput';
import { dropUndefined, runCommand, withExpressionFileNote, type CommandContext } from './shared';
import { EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_UNRELIABLE } from './errors';
import { runScanCommand } from './scan';
import { checkOptionCombinations, givenOnCommandLine, ignoredOptionWarnings } from './checks';

/** The short legend of the report, shown by --help (README: "Reading the output"). */
const OUTPUT_LEGEND = `Reading the output:
  F                   the integral and its standard error in the last digits: 0.0019789(12) = 0.0019789 +- 0.0000012
  pull vs exact       (F - exact) / error, for library integrands with a known value (|pull| < 2 is normal)
  E_p[xk], P_p(A)     mean of x_k and probability of the event A under p = |f|/F
  rel. error          error / |F|
  ESS                 effective sample size (sum |w|)^2 / sum w^2 and its share of the calls (100% = flat weights w = f/q)
  unweighting eff.    mean |w| / max |w|: the acceptance rate when turning weighted points into events
  variance reduction  variance per call of uniform MC over that of i-flow (above 1: the flow helps)
  efficiency gain     the same with the training calls counted against i-flow
  chi2/dof, Q         agreement of the --iterations (Q below 0.05: the error cannot be trusted)
Exit codes: 0 ok, 1 runtime failure, 2 bad input, 3 unreliable with --strict, 130 interrupted by Ctrl-C (the report of what was done is printed).`;

/** Exit code of a finished run: 130 interrupted (training or evaluation), 3 unreliable under --strict, else 0. */
export function runExitCode(
  result: { interrupted: boolean; reliable: boolean; training?: { stopReason: string | null } | null },
  strict: boolean,
): number {
  // a Ctrl-C that cut training or evaluation short exits 130 with the report printed
  if (result.interrupted || result.training?.stopReason === 'interrupted') return EXIT_INTERRUPTED;
  return strict && !result.reliable ? EXIT_UNRELIABLE : 0;
}

/** The `integrate` command: its flags from the table, its help with examples, and its action. */
export function integrateCommand(ctx: CommandContext): Command {
  const cmd = new Command('integrate')
    .description('integrate an expression over [0,1]^d (or --bounds): VEGAS map, i-flow on top where it pays, uniform baseline')
    .argument(
      '<expression>',
      'integrand in mathjs syntax over x1..xd or the vector x, e.g. "exp(-sum((x-0.5).^2)/0.04)", or @name of a library integrand (see iflow list)',
    );
  addFlags(cmd, 'integrate');
  cmd.addHelpText(
    'after',
    `
Examples:
  iflow integrate "exp(-sum((x-0.5).^2)/0.04)" --dim 6
  iflow integrate @camel --dim 8 --rel-error 1e-4 --max-time 60
  iflow integrate "x1*x2" --dim 2 --event "x1 > 0.9" --json | jq .estimate.integral
  iflow integrate "exp(-x1^2-x2^2)" --dim 2 --bounds -3:3 --method uniform -n 1e6
  iflow integrate "exp(-x1^2-x2^2)" --dim 2 --bounds=-inf:inf
  iflow integrate @camel --dim 8 --param alpha=0.1
  iflow integrate "exp(-sum((x-0.5).^2)/0.04)" --dim 6 --method flow --save-model model/
  iflow integrate "x1*x2" --dim 2 --method uniform --seed 7 --partial > part-7.json
  iflow integrate @camel --dim 4 --plot pictures/ --plot-pair 1,3
  iflow integrate @camel --dim 4 --scan alpha=0.1:0.3:5 --rel-error 1e-3
  iflow integrate "cos(w*x1)*exp(-x1^2)" --dim 1 --also "sin(w*x1)*exp(-x1^2)" --scan w=0,1,2,4
  iflow integrate @gauss --dim 2 --hist "x1+x2:0:2:20" --hist-normalize
  iflow integrate "x1^(-0.9)" --dim 1 --strict || echo "exit $?: unreliable"

Every estimate gets a verdict (the "verdict" row; "reliable" in the JSON) from the Pareto
k-hat of the largest weights (> 0.5: no finite variance, > 0.7: not even smoothed IS works),
the ESS, the largest weight, the iterations' Q and non-finite values. Exit codes: 0 ok,
1 runtime failure, 2 bad input, ${EXIT_UNRELIABLE} unreliable estimate with --strict, 130 interrupted.

${OUTPUT_LEGEND}`,
  );
  cmd.action(async (expression: string, raw: Record<string, unknown>) => {
    await runCommand(ctx, raw, async () => {
      const parsed: IntegrateCommandOptions = integrateCommandSchema.parse(dropUndefined({ ...raw, expression }));
      const given = givenOnCommandLine(cmd);
      checkOptionCombinations(parsed);
      checkRunOptions(parsed);
      const reporter = createReporter(parsed.quiet, process.stderr, parsed.debug);
      if (parsed.scan !== undefined) {
        for (const w of ignoredOptionWarnings(parsed, given)) reporter.warn(w);
        return runScanCommand(ctx, { ...parsed, scan: parsed.scan }, reporter);
      }
      const { options, defaults, integrand } = expandIntegrandRef(parsed);
      const prepared = withExpressionFileNote(expression, () => prepareProblem(options, defaults));
      checkPlotOptions(options, prepared.problem.dim);
      checkSaveTarget(options, reporter.warn);
      for (const w of ignoredOptionWarnings(options, given)) reporter.warn(w);
      const plots = plotRecorder(options, prepared.problem);
      const out = await runIntegrateDetailed(prepared, { ...reporter.hooks, ...plots?.hooks, interrupts: ctx.interrupts });
      reporter.stop();
      plots?.attach(out.result);
      try {
        // the result first: a failed save never costs the finished run
        if (integrand) out.result.library = libraryInfo(integrand, out.result);
        ctx.write(renderRun(options, out, undefined, integrand?.exact));
        const { saved, error } = trySaveRunModel(prepared, out.flow, out.result.training);
        if (saved !== null && !options.quiet) process.stderr.write(`iflow: model saved to ${saved}\n`);
        await writeRunPlots(options, out.result);
        if (error !== null) {
          process.stderr.write(`iflow: ${error} (the result above is complete; only the model was not saved)\n`);
          return EXIT_FAILURE;
        }
      } finally {
        out.flow?.dispose();
      }
      return runExitCode(out.result, options.strict);
    });
  });
  return cmd;
}
