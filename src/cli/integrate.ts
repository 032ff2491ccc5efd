/** `iflow integrate`: flags -> schema -> runIntegrate -> text or JSON on stdout. */
import { Command, Option } from 'commander';
import { backendChoices } from '../backend';
import { splineKinds } from '../flow/types';
import { prepareProblem, runIntegrateDetailed } from '../integrate';
import { expandIntegrandRef } from '../integrands';
import { DEFAULT_MAX_CALLS, integrateOptionsSchema, lossKinds, methodKinds, type IntegrateOptions } from './options';
import { createReporter } from './progress';
import { checkRunOptions, checkSaveTarget, libraryInfo, renderRun, trySaveRunModel } from './runOutput';
import { checkPlotOptions, plotRecorder, writeRunPlots } from './plotOutput';
import { collect, dropUndefined, runCommand, withExpressionFileNote, type CommandContext } from './shared';
import { EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_UNRELIABLE } from './errors';
import { checkOptionCombinations, givenOnCommandLine, ignoredOptionWarnings } from './checks';
import { DEFAULT_PLOT_DIMS } from '../estimate/histograms';

/** Flags shared by integrate-like commands (problem definition and sampling). */
export function addProblemOptions(cmd: Command): Command {
  return cmd
    .option('-d, --dim <d>', 'number of dimensions (1-128)')
    .option('--bounds <lo:hi,...>', 'integration domain: one lo:hi for all dimensions or one per dimension (default 0:1); inf and -inf allowed, e.g. --bounds=-inf:inf or 0:inf')
    .option('--scale <s|auto>', 'scale of the maps of infinite axes: auto (a pilot run of 10000 calls picks centre and scale) or s (one, or one per dimension; centre 0)', 'auto')
    .option('-p, --param <name=value>', 'named constant used in the expression (repeatable)', collect)
    .option('-e, --event <expr>', 'estimate P_p(A) for the boolean expression A, e.g. "x1 > 0.9" (repeatable)', collect)
    .option('--tail <g>', 'estimate P_p(x_k >= g) for every dimension k (repeatable)', collect)
    .option('-s, --seed <n>', 'random seed; the same seed, backend and --threads give the same numbers', '1')
    .addOption(new Option('--backend <name>', 'TensorFlow.js backend').choices([...backendChoices]).default('auto'))
    .addOption(new Option('--nan <policy>', 'non-finite integrand values: stop with an error, or count them as 0').choices(['error', 'zero']).default('error'));
}

/** The short legend of the report, shown by --help (README: "Reading the output"). */
export const OUTPUT_LEGEND = `Reading the output:
  F                   the integral and its standard error in the last digits: 0.0019789(12) = 0.0019789 +- 0.0000012
  pull vs exact       (F - exact) / error, for library integrands with a known value (|pull| < 2 is normal)
  E_p[xk], P_p(A)     mean of x_k and probability of the event A under p = |f|/F
  rel. error          error / |F|
  ESS                 effective sample size (sum |w|)^2 / sum w^2 and its share of the calls (100% = flat weights w = f/q)
  unweighting eff.    mean |w| / max |w|: the acceptance rate when turning weighted points into events
  variance reduction  variance per call of uniform MC over that of i-flow (above 1: the flow helps)
  efficiency gain     the same with the training calls counted against i-flow
  chi2/dof, Q         agreement of the --iterations (Q below 0.05: the error cannot be trusted)
Exit codes: 0 ok, 1 runtime failure, 2 bad input, 130 interrupted by Ctrl-C (the report of what was done is printed).`;

/** Help of --threads: where threads are spent, and when the default of 2 uses one. */
export const THREADS_HELP =
  'most threads (wasm/cpu backends; never more than the CPUs this process may use): training cuts a batch of B calls into ' +
  'min(n, floor(B/1000)) slices trained in parallel, so the default --batch 1000 trains on one thread and --batch 2000 on two; ' +
  'evaluations of 131072 samples or more map their chunks on n threads. The seed and the slice count fix the numbers, ' +
  'not the machine: a task given one CPU runs every slice on its one thread';

export function addFlowOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--spline <kind>', 'coupling transform').choices([...splineKinds]).default('rqs'))
    .option('--bins <K>', 'bins per spline', '16')
    .option('--layers <J>', 'coupling layers (default J_min: d for d <= 5, 2 ceil(log2 d) above)')
    .option('--force-layers', 'allow --layers below J_min')
    .option('--hidden <w,w,...>', 'hidden layer widths of each coupling MLP', '32,32,32')
    .option('--blob <B>', 'one-blob encoding of MLP inputs with B bins (0 = off)', '0')
    .addOption(
      new Option('--loss <name>', 'training divergence; variance and chi2 are one loss, Var(f/q)/F^2, under two names (identical results)')
        .choices([...lossKinds])
        .default('variance'),
    )
    .option('--epochs <n>', 'training steps, each on a fresh batch', '300')
    .option('--batch <n>', 'integrand calls per training step', '1000')
    .option('--lr <rate>', 'Adam learning rate', '0.001')
    .option('--decay <r>', 'learning-rate decay per epoch: lr (1-r)^epoch', '0')
    .option('--clip <norm>', 'clip the global gradient norm', '10')
    .option('--anneal <fraction>', 'train on |f|^beta, beta rising from --anneal-start to 1 over this fraction of the epochs (0 = off)', '0')
    .option('--anneal-start <beta>', 'first exponent of the tempered integrand', '0.1')
    .option('--target-rel-error <r>', 'stop training once the predicted relative error of the estimate is below r')
    .option('--threads <n>', THREADS_HELP, '2');
}

/** --rel-error, --abs-error and their caps (integrate and evaluate). */
export function addTargetOptions(cmd: Command): Command {
  return cmd
    .option('--rel-error <r>', 'accuracy target: sample until SE <= max(abs-error, r |F|), in rounds of fresh samples (-n is then ignored)')
    .option('--abs-error <a>', 'accuracy target: absolute standard error (with --rel-error the looser of the two)')
    .option('--max-calls <N>', 'most calls of an estimate with an accuracy target', String(DEFAULT_MAX_CALLS))
    .option('--max-time <s>', 'most seconds of the whole run, training included; the estimate so far is reported with the calls the target would need');
}

/** Exit code of a finished run: 130 interrupted (training or evaluation), 3 unreliable under --strict, else 0. */
export function runExitCode(result: { interrupted: boolean; reliable: boolean; training?: { stopReason: string | null } | null }, strict: boolean): number {
  // a Ctrl-C that cut training or evaluation short exits 130 with the report printed
  if (result.interrupted || result.training?.stopReason === 'interrupted') return EXIT_INTERRUPTED;
  return strict && !result.reliable ? EXIT_UNRELIABLE : 0;
}

export const STRICT_HELP = `exit with code ${EXIT_UNRELIABLE} when the estimate is unreliable (verdict: Pareto k-hat, ESS, largest weight, iterations' Q, non-finite values, zero integrand); the report is still printed`;

export function addOutputOptions(cmd: Command): Command {
  return cmd
    .option('--json', 'print one JSON document instead of the table')
    .option('--strict', STRICT_HELP)
    .option('-q, --quiet', 'no progress or warnings on stderr')
    .option('--debug', 'stack traces on errors, and a line on stderr as each stage starts');
}

/** --plot DIR and its companions (integrate and evaluate). */
export function addPlotOptions(cmd: Command): Command {
  return cmd
    .option('--plot <dir>', 'write SVG pictures (training history, marginals of p and q, weight distribution) and index.html to this directory')
    .option('--plot-pair <a,b>', 'dimensions of the two-dimensional marginal (default 1,2)')
    .option('--plot-dims <n>', 'one-dimensional marginals of the first n dimensions', String(DEFAULT_PLOT_DIMS));
}

export function integrateCommand(ctx: CommandContext): Command {
  const cmd = new Command('integrate')
    .description('integrate an expression over [0,1]^d (or --bounds): VEGAS map, i-flow on top where it pays, uniform baseline')
    .argument('<expression>', 'integrand in mathjs syntax over x1..xd or the vector x, e.g. "exp(-sum((x-0.5).^2)/0.04)", or @name of a library integrand (see iflow list)');
  addProblemOptions(cmd);
  cmd
    .option('-n, --samples <N>', 'integrand calls for the final estimate when no accuracy target is given (fresh samples after adaptation and training)', '100000')
    .option('--iterations <k>', 'split the estimate into k iterations and report chi2/dof and Q', '1');
  addTargetOptions(cmd);
  cmd
    .addOption(
      new Option(
        '--method <m>',
        'auto: adapt a VEGAS map, train a flow on top only while it pays, sample with the faster; vegas: VEGAS+ alone; flow: always sample from the trained flow; uniform: plain Monte Carlo',
      )
        .choices([...methodKinds])
        .default('auto'),
    )
    .addOption(new Option('--premap <map>', 'map under the flow: vegas (x = V(T(z)), the flow starts as VEGAS) or none (the bare flow)').choices(['vegas', 'none']).default('vegas'))
    .option('--no-baseline', 'skip the uniform Monte Carlo baseline')
    .option('--baseline-samples <N>', 'calls for the uniform baseline (default: as many as --samples)');
  addFlowOptions(cmd);
  cmd
    .option('--save-model <dir>', 'save the trained flow to this directory (model.json + weights.bin) for evaluate and sample')
    .option('--partial', 'print mergeable sufficient statistics (JSON) instead of the report; combine runs with iflow merge');
  addOutputOptions(cmd);
  addPlotOptions(cmd);
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
  iflow integrate "x1^(-0.9)" --dim 1 --strict || echo "exit $?: unreliable"

Every estimate gets a verdict (the "verdict" row; "reliable" in the JSON) from the Pareto
k-hat of the largest weights (> 0.5: no finite variance, > 0.7: not even smoothed IS works),
the ESS, the largest weight, the iterations' Q and non-finite values. Exit codes: 0 ok,
1 runtime failure, 2 bad input, ${EXIT_UNRELIABLE} unreliable estimate with --strict, 130 interrupted.

${OUTPUT_LEGEND}`,
  );
  cmd.action(async (expression: string, raw: Record<string, unknown>) => {
    await runCommand(ctx, raw, async () => {
      const parsed: IntegrateOptions = integrateOptionsSchema.parse(dropUndefined({ ...raw, expression }));
      const given = givenOnCommandLine(cmd);
      checkOptionCombinations(parsed, given);
      const { options, defaults, integrand } = expandIntegrandRef(parsed);
      checkRunOptions(options);
      const reporter = createReporter(options.quiet, process.stderr, options.debug);
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
