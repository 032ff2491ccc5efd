/**
 * `iflow evaluate --model DIR`: a fresh importance-sampling estimate with a saved flow, without
 * training. The problem (expression, dim, bounds, params) comes from the model; the seed, the
 * sample counts, the events and the output options come from the flags. With the seed of the
 * run that saved the model, the numbers equal that run's evaluation.
 */
import { Command } from 'commander';
import { initBackend } from '../backend';
import { prepareProblem, runIntegrateDetailed, type Prepared } from '../integrate';
import { instantiateFlow, readModel, type LoadedModel } from '../model';
import { decodeBounds, defaultAxisMaps } from '../domain';
import { integrateCommandSchema, type IntegrateCommandOptions } from './options';
import { addFlags } from './flags';
import { createReporter } from './progress';
import { checkOptionCombinations, givenOnCommandLine } from './checks';
import { renderRun } from './runOutput';
import { runExitCode } from './integrate';
import { checkPlotOptions, plotRecorder, writeRunPlots } from './plotOutput';
import { dropUndefined, runCommand, type CommandContext } from './shared';

/**
 * Integrate options for a run with the model's problem and the user's flags. The flow and
 * training options keep their defaults: they are not used when the flow is given. The
 * defensive fraction is the model's (the saving run's) unless `given('defensive')`.
 */
export function modelRunOptions(
  model: LoadedModel,
  raw: Record<string, unknown>,
  given: (key: string) => boolean = () => true,
): IntegrateCommandOptions {
  const { problem } = model.doc;
  return integrateCommandSchema.parse(
    dropUndefined({
      ...raw,
      // the saving run's defensive fraction unless --defensive is given: the seed then reproduces its estimate
      ...(!given('defensive') && model.doc.defensive !== undefined ? { defensive: model.doc.defensive } : {}),
      model: undefined,
      expression: problem.expression,
      dim: problem.dim,
      bounds: problem.bounds,
      method: 'flow',
    }),
  );
}

/**
 * The problem of a model with the user's events, further integrands and observable histograms
 * (from `options`), and the model's flow (backend first).
 */
export async function prepareFromModel(model: LoadedModel, options: IntegrateCommandOptions): Promise<Prepared<IntegrateCommandOptions>> {
  // the model's maps, the plain ones when it records none: the flow was trained under them
  const maps = model.doc.problem.maps ?? defaultAxisMaps(decodeBounds(model.doc.problem.bounds));
  const prepared = prepareProblem(options, model.doc.problem.params, maps);
  await initBackend(options.backend);
  prepared.flow = instantiateFlow(model);
  prepared.training = model.doc.training;
  return prepared;
}

/** The `evaluate` subcommand: a fresh estimate with a flow saved by --save-model (no training); exit code as for integrate (runExitCode). */
export function evaluateCommand(ctx: CommandContext): Command {
  const cmd = new Command('evaluate').description('estimate the integral again with a flow saved by --save-model (no training)');
  addFlags(cmd, 'evaluate');
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
      const options = modelRunOptions(model, raw, givenOnCommandLine(cmd));
      checkOptionCombinations(options);
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
