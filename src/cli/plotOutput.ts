/**
 * --plot DIR of integrate and evaluate, and `iflow plot`: histograms collected from the
 * evaluation stream, then the SVG pictures and index.html written to DIR. The plotting
 * libraries are loaded only here, on first use, so runs without --plot do not load them.
 */
import fs from 'fs';
import path from 'path';
import { UsageError } from '../errors';
import { MarginalHistograms } from '../estimate/histograms';
import type { RunHooks } from '../integrate';
import type { Problem } from '../problem';
import type { IntegrationResult } from '../report/schema';
import type { IntegrateCommandOptions } from './options';

/** Fail before the run when DIR cannot hold the pictures, or the pair is not in the problem. */
export function checkPlotOptions(options: IntegrateCommandOptions, dim: number): void {
  if (options.plot === undefined) {
    if (options.plotPair !== undefined) throw new UsageError('--plot-pair needs --plot', 'add --plot DIR to write the pictures');
    return;
  }
  checkPlotTarget(options.plot);
  const pair = options.plotPair;
  if (pair && Math.max(...pair) > dim) {
    throw new UsageError(`--plot-pair ${pair.join(',')}: the problem has ${dim} dimension${dim > 1 ? 's' : ''}`, `choose two of 1..${dim}`);
  }
}

/** DIR must be a directory or not exist yet (it is created). */
export function checkPlotTarget(dir: string): void {
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch {
    return;
  }
  if (!st.isDirectory()) throw new UsageError(`--plot ${dir}: exists and is not a directory`);
}

/** What a run needs for --plot: the hook that fills the histograms, and a way to attach them. */
export interface PlotRecorder {
  hooks: Pick<RunHooks, 'onSamples'>;
  /** The result with its `histograms` field set. */
  attach(result: IntegrationResult): IntegrationResult;
}

/** A recorder for --plot (null without it): the first --plot-dims marginals and the pair (default 1,2). */
export function plotRecorder(options: IntegrateCommandOptions, problem: Problem): PlotRecorder | null {
  if (options.plot === undefined) return null;
  const pair = options.plotPair ?? (problem.dim >= 2 ? ([1, 2] as [number, number]) : null);
  const histograms = new MarginalHistograms({ bounds: problem.bounds, dims: options.plotDims, pair });
  return {
    hooks: { onSamples: (x, w, n) => histograms.add(x, w, n) },
    attach: (result) => {
      result.histograms = histograms.data();
      return result;
    },
  };
}

/** Timing and file list of a written plot directory. */
export interface PlotsWritten {
  files: string[];
  seconds: number;
}

/**
 * Render every picture the result allows and write them with index.html to `dir` (created if
 * needed). Everything is rendered before the first file is written.
 */
export async function writePlots(dir: string, result: IntegrationResult): Promise<PlotsWritten> {
  const t0 = performance.now();
  const { renderPictures, renderIndex } = await import('../report/plots');
  const pictures = await renderPictures(result);
  if (pictures.length === 0) {
    throw new UsageError(
      'nothing to plot: the result has no training history and no histograms',
      'run integrate or evaluate with --plot DIR, or save that run with --json',
    );
  }
  const index = renderIndex(result, pictures);
  checkPlotTarget(dir);
  fs.mkdirSync(dir, { recursive: true });
  for (const p of pictures) fs.writeFileSync(path.join(dir, p.file), p.svg);
  fs.writeFileSync(path.join(dir, 'index.html'), index);
  return { files: [...pictures.map((p) => p.file), 'index.html'], seconds: (performance.now() - t0) / 1000 };
}

/** Write the pictures of a run when --plot was given, with one line on stderr (unless --quiet). */
export async function writeRunPlots(options: IntegrateCommandOptions, result: IntegrationResult): Promise<void> {
  if (options.plot === undefined) return;
  const written = await writePlots(options.plot, result);
  if (!options.quiet) {
    const where = path.join(options.plot, 'index.html');
    process.stderr.write(`iflow: ${written.files.length - 1} pictures written to ${where} (${written.seconds.toFixed(2)} s)\n`);
  }
}
