/**
 * `iflow evaluate --model DIR`: a fresh importance-sampling estimate with a saved flow, without
 * training. The problem (expression, dim, bounds, params) comes from the model; the seed, the
 * sample counts, the events and the output options come from the flags. With the seed of the
 * run that saved the model, the numbers equal that run's evaluation.
 */
import { Command, Option } from 'commander';
import { backendChoices, initBackend } from '../backend';
import { prepareProblem, runIntegrateDetailed, type Prepared } from '../integrate';
import { instantiateFlow, readModel, type LoadedModel } from '../model';
import type { ObservableOptionsInput } from '../observables/options';
import { integrateOptionsSchema, type IntegrateOptions } from './options';
import { THREADS_HELP } from './integrate';
import { createReporter } from './progress';
import { checkOptionCombinations, givenOnCommandLine } from './checks';
import { renderRun } from './runOutput';
import { addTargetOptions } from './integrate';
import { runExitCode, STRICT_HELP } from './integrate';
import { addPlotOptions } from './integrate';
import { checkPlotOptions, plotRecorder, writeRunPlots } from './plotOutput';
import { collect, dropUndefined, runCommand, type CommandContext } from './shared';

/**
 * Integrate options for a run with the model's problem and the user's flags. The flow and
 * training options keep their defaults: they are not used when the flow is given.
 */
export function modelRunOptions(model: LoadedModel, raw: Record<string, unknown>): IntegrateOptions {
  const { problem } = model.doc;
  return integrateOptionsSchema.parse(
    dropUndefined({
      ...raw,
      model: undefined,
      expression: problem.expression,
      dim: problem.dim,
      bounds: problem.bounds,
      method: 'flow',
    }),
  );
}

/**
 * The problem of a model with the user's events (and `observables`: further integrands and
 * observable histograms, src/observables/options.ts), and the model's flow (backend first).
 */
export async function prepareFromModel(model: LoadedModel, options: IntegrateOptions, observables?: ObservableOptionsInput): Promise<Prepared> {
  const prepared = prepareProblem(options, model.doc.problem.params, model.doc.problem.maps, observables);
  await initBackend(options.backend);
  prepared.flow = instantiateFlow(model);
  prepared.training = model.doc.training;
  return prepared;
}

export function evaluateCommand(ctx: CommandContext): Command {
  const cmd = new Command('evaluate')
    .description('estimate the integral again with a flow saved by --save-model (no training)')
    .requiredOption('--model <dir>', 'directory written by integrate --save-model')
    .option('-n, --samples <N>', 'integrand calls for the estimate', '100000')
    .option('--iterations <k>', 'split the estimate into k iterations and report chi2/dof and Q', '1');
  addTargetOptions(cmd);
  cmd
    .option('-s, --seed <n>', 'random seed; the seed of the saving run reproduces its evaluation', '1')
    .option('-e, --event <expr>', 'estimate P_p(A) for the boolean expression A (repeatable)', collect)
    .option('--tail <g>', 'estimate P_p(x_k >= g) for every dimension k (repeatable)', collect)
    .option('--threads <n>', THREADS_HELP, '2')
    .option('--no-baseline', 'skip the uniform Monte Carlo baseline')
    .option('--baseline-samples <N>', 'calls for the uniform baseline (default: as many as --samples)')
    .addOption(new Option('--backend <name>', 'TensorFlow.js backend').choices([...backendChoices]).default('auto'))
    .addOption(new Option('--nan <policy>', 'non-finite integrand values: stop with an error, or count them as 0').choices(['error', 'zero']).default('error'))
    .option('--partial', 'print mergeable sufficient statistics (JSON) instead of the report; combine runs with iflow merge')
    .option('--json', 'print one JSON document instead of the table')
    .option('--strict', STRICT_HELP)
    .option('-q, --quiet', 'no progress or warnings on stderr')
    .option('--debug', 'stack traces and generated code on errors');
  addPlotOptions(cmd);
  cmd.addHelpText(
    'after',
    `
Examples:
  iflow integrate "exp(-sum((x-0.5).^2)/0.04)" --dim 6 --method flow --save-model model/
  iflow evaluate --model model/ -n 1e6 --seed 2
  iflow evaluate --model model/ --seed 3 --partial > part-3.json
  iflow evaluate --model model/ -n 1e6 --plot pictures/`,
  );
  cmd.action(async (raw: Record<string, unknown>) => {
    await runCommand(ctx, raw, async () => {
      const model = readModel(String(raw.model));
      const options = modelRunOptions(model, raw);
      checkOptionCombinations(options, givenOnCommandLine(cmd));
      const prepared = await prepareFromModel(model, options);
      checkPlotOptions(options, prepared.problem.dim);
      const plots = plotRecorder(options, prepared.problem);
      const reporter = createReporter(options.quiet);
      const out = await runIntegrateDetailed(prepared, { ...reporter.hooks, ...plots?.hooks, interrupts: ctx.interrupts });
      reporter.stop();
      plots?.attach(out.result);
      try {
        const text = renderRun(options, out, model.digest);
        await writeRunPlots(options, out.result);
        ctx.write(text);
      } finally {
        prepared.flow?.dispose();
      }
      return runExitCode(out.result, options.strict);
    });
  });
  return cmd;
}
