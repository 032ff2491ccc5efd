/**
 * Progress on stderr: a cli-progress bar per stage when stderr is a terminal, nothing
 * otherwise; warnings as "iflow: warning: ..." lines. --quiet mutes both.
 */
import { flagOf } from './flags';
import { SingleBar, Presets } from 'cli-progress';
import type { RunHooks, Stage } from '../integrate';
import type { EpochInfo } from '../train/trainer';
import { formatEstimate, formatNumber } from '../report/format';

const stageNames: Record<Stage, string> = { adapt: 'adapting', train: 'training', evaluate: 'evaluating', baseline: 'baseline' };

/** Progress and warnings of one run on stderr: run hooks for the progress bars, `stop` and `warn`. */
export interface Reporter {
  hooks: Omit<RunHooks, 'interrupts'>;
  /** Stop any active bar (before printing results or errors). */
  stop(): void;
  warn(message: string): void;
}

/**
 * With `debug`, the first progress report of each stage is also logged as a line
 * ("iflow: debug: evaluating, 1000 to do"), terminal or not.
 */
export function createReporter(quiet: boolean, stream: NodeJS.WriteStream = process.stderr, debug = false): Reporter {
  const showBars = !quiet && stream.isTTY === true;
  let loggedStage: Stage | null = null;
  let bar: SingleBar | null = null;
  let barStage: Stage | null = null;
  const stop = () => {
    if (bar) bar.stop();
    bar = null;
    barStage = null;
  };
  const warn = (message: string) => {
    if (quiet) return;
    if (bar) stream.write('\n');
    stream.write(`iflow: warning: ${message}\n`);
  };
  const info = (e?: EpochInfo): string => (e ? `loss ${formatNumber(e.loss, 3)}  F ${formatEstimate(e.integral, e.sdev)}` : '');
  return {
    stop,
    warn,
    hooks: {
      onWarning: warn,
      spellOption: flagOf,
      onDebug: debug ? (message: string) => stream.write(`iflow: debug: ${message}\n`) : undefined,
      onStageEnd: () => stop(),
      onProgress: (stage, done, total, detail) => {
        if (debug && loggedStage !== stage) {
          stream.write(`iflow: debug: ${stageNames[stage]}, ${total} to do\n`);
          loggedStage = stage;
        }
        if (!showBars) return;
        if (barStage !== stage) {
          stop();
          bar = new SingleBar(
            {
              stream,
              format: `${stageNames[stage].padEnd(10)} [{bar}] {percentage}% | {value}/{total} | ETA {eta_formatted} {info}`,
              hideCursor: true,
              clearOnComplete: false,
              etaBuffer: 20,
            },
            Presets.shades_classic,
          );
          bar.start(total, 0, { info: '' });
          barStage = stage;
        }
        bar?.update(done, { info: info(detail) });
      },
    },
  };
}
