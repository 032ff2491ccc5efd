/**
 * `iflow integrate ... --scan name=lo:hi:count`: one estimate per value of a constant (src/scan.ts),
 * each row printed as soon as its value is done (a table, or one JSON record per line with
 * --json), and the scan curve with its error band with --plot.
 */
import fs from 'fs';
import path from 'path';
import { UsageError } from '../errors';
import { expandIntegrandRef, isIntegrandRef, type ResolvedIntegrand } from '../integrands';
import { scanHeader, scanRecord, scanRowText, scanSummary, type ScanPoint } from '../report/scan';
import { parseScan, runScan } from '../scan';
import { usesConstant } from './checks';
import { EXIT_INTERRUPTED, EXIT_UNRELIABLE } from './exitCodes';
import type { IntegrateCommandOptions } from './options';
import { checkPlotTarget } from './plotOutput';
import type { Reporter } from './progress';
import { libraryInfo } from './runOutput';
import type { CommandContext } from './shared';

/**
 * Checks of a scan's options before any run, on the options as given: no --partial or
 * --save-model (a scan makes many results), and no `dim` of a library integrand (set by --dim).
 * @throws UsageError naming the conflicting flag.
 */
function checkScanFlags(given: IntegrateCommandOptions, name: string): void {
  if (given.partial)
    throw new UsageError('--scan cannot write --partial documents', 'run one integrate --partial per value instead, or drop --partial');
  if (given.saveModel !== undefined)
    throw new UsageError('--scan cannot --save-model (each value trains its own flow)', 'drop --save-model');
  if (isIntegrandRef(given.expression) && name === 'dim') {
    throw new UsageError(`${given.expression.trim()}: "dim" is set by --dim, not by --scan`, 'run one integrate per --dim');
  }
}

/**
 * The scanned constant must appear in the integrand (a library integrand's expression, once
 * expanded), an event, a further integrand or an observable.
 * @throws UsageError naming the unused constant.
 */
function checkScanned(options: IntegrateCommandOptions, name: string): void {
  if (!usesConstant(options, name)) {
    throw new UsageError(
      `--scan ${name}: "${name}" is not a constant of the integrand`,
      'scan a name that the expression uses, e.g. --scan alpha=0.1:0.3:5',
    );
  }
}

/**
 * Run the scan of `options.scan`, writing each value's row to ctx as it finishes.
 * @returns the exit code: 130 when interrupted, 3 with --strict when a value is unreliable, else 0.
 */
export async function runScanCommand(
  ctx: CommandContext,
  given: IntegrateCommandOptions & { scan: string },
  reporter: Reporter,
): Promise<number> {
  const spec = parseScan(given.scan);
  checkScanFlags(given, spec.name);
  const { options, defaults, integrand } = expandIntegrandRef(given);
  checkScanned(options, spec.name);
  // a library integrand's exact value depends on the scanned constant: resolve it per value
  const libraryAt = (value: number): ResolvedIntegrand | null =>
    integrand ? (expandIntegrandRef({ ...given, param: [...given.param, `${spec.name}=${value}`] }).integrand ?? null) : null;
  if (options.plot !== undefined) checkPlotTarget(options.plot);
  const points: ScanPoint[] = [];
  const rows = runScan(
    options,
    spec,
    defaults,
    ({ index, value }) => {
      if (!options.quiet) process.stderr.write(`iflow: ${spec.name} = ${value} (${index + 1} of ${spec.values.length})\n`);
      return { ...reporter.hooks, interrupts: ctx.interrupts };
    },
    true,
    () => ctx.interrupts() > 0,
  );
  let interrupted = false;
  for await (const row of rows) {
    reporter.stop();
    const result = row.out.result;
    row.out.flow?.dispose();
    const library = libraryAt(row.value);
    if (library) result.library = libraryInfo(library, result);
    const point: ScanPoint = { index: row.index, count: spec.values.length, name: spec.name, value: row.value, warm: row.warm, result };
    points.push(point);
    // the header with the first row: an error of the first value leaves stdout empty
    if (!options.json && points.length === 1) ctx.write(scanHeader(spec.name));
    ctx.write(options.json ? JSON.stringify(scanRecord(point)) + '\n' : scanRowText(point));
    interrupted = result.interrupted;
  }
  if (!options.json) ctx.write(scanSummary(points));
  if (options.plot !== undefined && points.length > 0) await writeScanPlot(options.plot, spec.name, points, options.quiet);
  if (interrupted || ctx.interrupts() > 0) return EXIT_INTERRUPTED;
  return options.strict && points.some((p) => !p.result.reliable) ? EXIT_UNRELIABLE : 0;
}

/** scan.svg (the curve with its error band) and an index.html that shows it, in `dir`. */
async function writeScanPlot(dir: string, name: string, points: ScanPoint[], quiet: boolean): Promise<void> {
  const { renderScanIndex, renderSvg, scanSpec } = await import('../report/plots');
  const spec = scanSpec(
    name,
    points.map((p) => ({ value: p.value, mean: p.result.estimate.integral.mean, sdev: p.result.estimate.integral.sdev })),
  );
  if (!spec) return;
  const svg = await renderSvg(spec);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'scan.svg'), svg);
  fs.writeFileSync(path.join(dir, 'index.html'), renderScanIndex(name, points[0].result.problem.expression, svg));
  if (!quiet) process.stderr.write(`iflow: scan picture written to ${path.join(dir, 'index.html')}\n`);
}
