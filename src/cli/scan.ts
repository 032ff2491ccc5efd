/**
 * `iflow integrate ... --scan name=lo:hi:count`: one estimate per value of a constant (src/scan.ts),
 * each row printed as soon as its value is done (a table, or one JSON record per line with
 * --json), and the scan curve with its error band with --plot.
 */
import fs from 'fs';
import path from 'path';
import { UsageError } from '../errors';
import { ExpressionText } from '../integrand/parse';
import { isIntegrandRef, type ResolvedIntegrand } from '../integrands';
import { scanHeader, scanRecord, scanRowText, scanSummary, type ScanPoint } from '../report/scan';
import { parseScan, runScan } from '../scan';
import { EXIT_INTERRUPTED, EXIT_UNRELIABLE } from './exitCodes';
import type { IntegrateCommandOptions } from './options';
import { checkPlotTarget } from './plotOutput';
import type { Reporter } from './progress';
import { libraryInfo } from './runOutput';
import type { CommandContext } from './shared';

/**
 * Checks of a scan's options before any run: no --partial or --save-model (a scan makes many
 * results), and a constant the integrand uses.
 * @throws UsageError naming the conflicting flag or the unused constant.
 */
function checkScanOptions(options: IntegrateCommandOptions, defaults: Record<string, number> | undefined, name: string): void {
  if (options.partial)
    throw new UsageError('--scan cannot write --partial documents', 'run one integrate --partial per value instead, or drop --partial');
  if (options.saveModel !== undefined)
    throw new UsageError('--scan cannot --save-model (each value trains its own flow)', 'drop --save-model');
  const used = isIntegrandRef(options.expression)
    ? defaults !== undefined && name in defaults
    : [options.expression, ...options.event, ...options.also, ...options.hist].some(
        (t) => new ExpressionText(t).wordPositions(name).length > 0,
      );
  if (!used)
    throw new UsageError(
      `--scan ${name}: "${name}" is not a constant of the integrand`,
      'scan a name that the expression uses, e.g. --scan alpha=0.1:0.3:5',
    );
}

/**
 * Run the scan of `options.scan`, writing each value's row to ctx as it finishes.
 * @returns the exit code: 130 when interrupted, 3 with --strict when a value is unreliable, else 0.
 */
export async function runScanCommand(
  ctx: CommandContext,
  options: IntegrateCommandOptions & { scan: string },
  defaults: Record<string, number> | undefined,
  integrand: ResolvedIntegrand | null,
  reporter: Reporter,
): Promise<number> {
  const spec = parseScan(options.scan);
  checkScanOptions(options, defaults, spec.name);
  if (options.plot !== undefined) checkPlotTarget(options.plot);
  const points: ScanPoint[] = [];
  const rows = runScan(options, spec, defaults, ({ index, value }) => {
    if (!options.quiet) process.stderr.write(`iflow: ${spec.name} = ${value} (${index + 1} of ${spec.values.length})\n`);
    return { ...reporter.hooks, interrupts: ctx.interrupts };
  });
  let interrupted = false;
  for await (const row of rows) {
    reporter.stop();
    const result = row.out.result;
    row.out.flow?.dispose();
    if (integrand) result.library = libraryInfo(integrand, result);
    const point: ScanPoint = { index: row.index, count: spec.values.length, name: spec.name, value: row.value, warm: row.warm, result };
    points.push(point);
    // the header with the first row: an error of the first value leaves stdout empty
    if (!options.json && points.length === 1) ctx.write(scanHeader(spec.name));
    ctx.write(options.json ? JSON.stringify(scanRecord(point)) + '\n' : scanRowText(point));
    interrupted = result.interrupted;
  }
  if (!options.json) ctx.write(scanSummary(points));
  if (options.plot !== undefined && points.length > 0) await writeScanPlot(options.plot, spec.name, points, options.quiet);
  if (interrupted) return EXIT_INTERRUPTED;
  return options.strict && points.some((p) => !p.result.reliable) ? EXIT_UNRELIABLE : 0;
}

/** scan.svg (the curve with its error band) and an index.html that shows it, in `dir`. */
async function writeScanPlot(dir: string, name: string, points: ScanPoint[], quiet: boolean): Promise<void> {
  const { renderSvg, scanSpec } = await import('../report/plots');
  const spec = scanSpec(
    name,
    points.map((p) => ({ value: p.value, mean: p.result.estimate.integral.mean, sdev: p.result.estimate.integral.sdev })),
  );
  if (!spec) return;
  const svg = await renderSvg(spec);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'scan.svg'), svg);
  const title = `iflow scan of ${name}: ${points[0].result.problem.expression}`.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  fs.writeFileSync(path.join(dir, 'index.html'), `<!doctype html><meta charset="utf-8"><title>${title}</title><h1>${title}</h1>\n${svg}\n`);
  if (!quiet) process.stderr.write(`iflow: scan picture written to ${path.join(dir, 'index.html')}\n`);
}
