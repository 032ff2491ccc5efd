/**
 * `iflow sample`: points of a trained flow with their weights on stdout (CSV or NDJSON), or
 * unweighted events by accept-reject. The flow is trained first with the integrate training
 * flags, or loaded with --model. Output is streamed chunk by chunk with backpressure.
 */
import { Command } from 'commander';
import type { Writable } from 'stream';
import { expandIntegrandRef } from '../integrands';
import { UsageError } from '../errors';
import { prepareProblem, type Prepared } from '../integrate';
import { adaptMapStage } from '../stages/vegas';
import { integralEstimate } from '../estimate/stats';
import { readModel } from '../model';
import { formatEstimate, formatNumber } from '../report/format';
import { Rng, Stream } from '../rng';
import { writeSamples, type SampleReport } from '../sample';
import { modelRunOptions, prepareFromModel } from './evaluate';
import { flowShape, trainingShape } from '../options';
import { addFlags, flagOf } from './flags';
import { integrateCommandSchema, sampleOnlySchema, type IntegrateCommandOptions } from './options';
import { createReporter, type Reporter } from './progress';
import { checkParamsOnce } from './checks';
import { checkSaveTarget, trySaveRunModel } from './runOutput';
import { dropUndefined, runCommand, withExpressionFileNote, type CommandContext } from './shared';

export { type SampleOnlyOptions } from './options';

const sampleOnlyKeys = Object.keys(sampleOnlySchema.shape);
/** Training flags that make no sense with a loaded flow. */
const trainingKeys = [...Object.keys(flowShape), ...Object.keys(trainingShape), 'saveModel'];
const problemKeys = ['dim', 'bounds', 'scale', 'powerMap', 'param'];

function split(raw: Record<string, unknown>): { mine: Record<string, unknown>; rest: Record<string, unknown> } {
  const mine: Record<string, unknown> = {};
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) ((sampleOnlyKeys as readonly string[]).includes(k) ? mine : rest)[k] = v;
  return { mine, rest };
}

/** Train a flow for the problem as integrate --method flow does (same seed, same map, same flow). */
async function trainForSampling(prepared: Prepared, reporter: Reporter, interrupts: () => number): Promise<void> {
  const { problem, options } = prepared;
  const stage = await import('../stages/flow');
  await stage.initBackend(options.backend);
  const map =
    options.premap === 'vegas'
      ? // the premap is the map on the cube's own axes: no adaptation on principal axes
        await adaptMapStage(problem, { ...options, principalAxes: 'none' }, new Rng(options.seed, Stream.adapt), {
          onProgress: (done, total) => reporter.hooks.onProgress?.('adapt', done, total),
          shouldStop: () => interrupts() > 0,
        })
      : null;
  reporter.stop();
  const flow = stage.createFlow(problem, options, reporter.warn, map?.map ?? null, flagOf);
  prepared.flow = flow;
  prepared.training = await stage.trainStage(flow, problem, new Rng(options.seed, Stream.train), stage.trainOptionsOf(options), {
    onEpoch: (info) => reporter.hooks.onProgress?.('train', info.epoch, info.epochs, info),
    onWarning: reporter.warn,
    onDebug: reporter.hooks.onDebug,
    shouldStop: () => interrupts() > 0,
  });
  reporter.stop();
  if (prepared.training.stopReason === 'interrupted') {
    reporter.warn(`training interrupted after ${prepared.training.epochs} epochs; sampling the flow as it is`);
  }
}

/** One-paragraph summary of a sampling run for stderr. */
function describeSampling(r: SampleReport, pilot: number): string {
  const e = integralEstimate(r.moments);
  const F = Number.isFinite(e.sdev) ? formatEstimate(e.mean, e.sdev) : formatNumber(e.mean);
  if (r.maxWeight === null) {
    return `iflow: wrote ${r.written} weighted points; mean weight ${F} (the integral estimate)\n`;
  }
  const rate = r.candidates > 0 ? r.written / r.candidates : 0;
  const lines = [
    `iflow: wrote ${r.written} unweighted events from ${r.candidates} candidates: acceptance rate ${formatNumber(100 * rate, 3)}%` +
      ` (w_max = ${formatNumber(r.maxWeight, 6)}, the largest weight of a ${pilot}-point pilot run; integral ${F})`,
  ];
  if (r.overweight > 0) {
    lines.push(
      `iflow: warning: ${r.overweight} event(s) (${formatNumber((100 * r.overweight) / Math.max(1, r.written), 3)}%) had |w| > w_max` +
        ` (largest |w|/w_max = ${formatNumber(r.largestRatio, 4)}); they are written with weight |w|/w_max instead of 1 (raise --pilot to reduce them)`,
    );
  } else {
    lines.push('iflow: no event exceeded w_max');
  }
  return lines.join('\n') + '\n';
}

/**
 * The `sample` subcommand: trains a flow (or loads --model) and streams its points with weights
 * f/q, or unweighted events, to `out` (CSV or NDJSON); exits 130 when interrupted, 1 when the
 * model could not be saved.
 */
export function sampleCommand(ctx: CommandContext, out: NodeJS.WritableStream = process.stdout): Command {
  const cmd = new Command('sample')
    .description('write points of a trained flow with weights f/q (CSV or NDJSON), or unweighted events')
    .argument('[expression]', 'integrand in mathjs syntax (omit with --model)');
  addFlags(cmd, 'sample');
  cmd.addHelpText(
    'after',
    `
The weight of a point x is f(x)/q(x) in the coordinates of --bounds, so that the mean weight
estimates the integral. Output is streamed; N can exceed memory.

Examples:
  iflow sample "exp(-sum((x-0.5).^2)/0.04)" --dim 2 -n 1e6 > points.csv
  iflow sample --model model/ -n 1000 --unweighted --format ndjson | head`,
  );
  cmd.action(async (expression: string | undefined, raw: Record<string, unknown>) => {
    await runCommand(ctx, raw, async () => {
      const { mine, rest } = split(raw);
      const sampleOptions = sampleOnlySchema.parse(dropUndefined(mine));
      const evalSamples = Math.min(Math.max(sampleOptions.samples, 2), 1e10);
      const reporter = createReporter(rest.quiet === true);
      let prepared: Prepared<IntegrateCommandOptions>;
      let options: IntegrateCommandOptions;
      if (sampleOptions.model !== undefined) {
        const given = (k: string) => cmd.getOptionValueSource(k) === 'cli';
        for (const k of [...problemKeys, ...trainingKeys]) {
          if (given(k))
            throw new UsageError(
              `${flagOf(k)} cannot be used with --model`,
              'the problem and the flow come from the model, and nothing is trained',
            );
        }
        const model = readModel(sampleOptions.model);
        if (expression !== undefined && expression !== model.doc.problem.expression) {
          throw new UsageError(
            `the expression differs from the model's (${JSON.stringify(model.doc.problem.expression)})`,
            'omit the expression with --model',
          );
        }
        options = modelRunOptions(model, {
          seed: rest.seed,
          backend: rest.backend,
          nan: rest.nan,
          quiet: rest.quiet,
          debug: rest.debug,
          samples: evalSamples,
        });
        prepared = await prepareFromModel(model, options);
      } else {
        if (expression === undefined) throw new UsageError('missing the integrand expression', 'give an expression, or --model DIR');
        const parsed = integrateCommandSchema.parse(dropUndefined({ ...rest, expression, samples: evalSamples }));
        checkParamsOnce(parsed.param);
        const expanded = expandIntegrandRef(parsed);
        options = expanded.options;
        checkSaveTarget(options, reporter.warn);
        prepared = withExpressionFileNote(expression, () => prepareProblem(options, expanded.defaults));
        await trainForSampling(prepared, reporter, ctx.interrupts);
      }
      const flow = prepared.flow!;
      let saveFailed = false;
      try {
        if (options.saveModel !== undefined) {
          // a failed save is reported, and the sampling still runs
          const { saved, error } = trySaveRunModel(prepared, flow, prepared.training ?? null);
          if (saved !== null && !options.quiet) process.stderr.write(`iflow: model saved to ${saved}\n`);
          if (error !== null) {
            process.stderr.write(`iflow: ${error} (sampling goes on; only the model is not saved)\n`);
            saveFailed = true;
          }
        }
        const atStart = ctx.interrupts();
        const report = await writeSamples(
          prepared.problem,
          flow,
          {
            count: sampleOptions.samples,
            format: sampleOptions.format,
            unweighted: sampleOptions.unweighted,
            pilot: sampleOptions.pilot,
            seed: options.seed,
            nan: options.nan,
          },
          out as Writable,
          {
            onProgress: (done, total) => reporter.hooks.onProgress?.('evaluate', done, total),
            shouldStop: () => ctx.interrupts() > atStart,
          },
        );
        reporter.stop();
        if (!options.quiet) process.stderr.write(describeSampling(report, sampleOptions.pilot));
        if (options.debug) {
          const rssMb = process.resourceUsage().maxRSS / 1024;
          process.stderr.write(`iflow: debug: largest output buffer ${report.maxBuffered} bytes; peak RSS ${rssMb.toFixed(0)} MB\n`);
        }
        if (report.stopped) {
          process.stderr.write(`iflow: interrupted after ${report.written} of ${sampleOptions.samples} lines\n`);
          return 130;
        }
        if (saveFailed) return 1;
        // training cut short by Ctrl-C: the points are complete, from the flow as it was
        return prepared.training?.stopReason === 'interrupted' && sampleOptions.model === undefined ? 130 : 0;
      } finally {
        flow.dispose();
      }
    });
  });
  return cmd;
}
