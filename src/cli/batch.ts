/**
 * `iflow batch jobs.ndjson` (or `-` for stdin): one integrate job per line, as a JSON object
 * with integrate's options under their camelCase names (BATCH_JOB_KEYS in flags.ts), e.g.
 *
 *   {"expression": "x1*x2", "dim": 2, "samples": 1000, "method": "uniform"}
 *
 * Each job line gives one NDJSON record on stdout, in order, as soon as it is done:
 *
 *   {"line": n, "ok": true, "result": <result document>}
 *   {"line": n, "ok": true, "partial": <partial document>}          (job with "partial": true)
 *   {"line": n, "ok": false, "error": "<message>", "exitCode": 2|1}  (2 bad input, 1 runtime failure)
 *
 * n is the 1-based line number in the file. Blank lines and lines starting with # are skipped.
 * A failed line does not stop the batch; the exit code is 1 when any line failed, 2 when the
 * file cannot be read, 130 when interrupted (the interrupted job's record is written first).
 */
import { expandIntegrandRef } from '../integrands';
import fs from 'fs';
import readline from 'readline';
import { Command } from 'commander';
import { UsageError } from '../errors';
import { prepareProblem, runIntegrateDetailed } from '../integrate';
import { resultSchema } from '../report/schema';
import { classifyError, EXIT_FAILURE, EXIT_INTERRUPTED } from './errors';
import { integrateCommandSchema } from './options';
import { addFlags } from './flags';
import { createReporter } from './progress';
import { checkOptionCombinations, givenInObject, ignoredOptionWarnings } from './checks';
import { checkRunOptions, checkSaveTarget, libraryInfo, runPartial, trySaveRunModel } from './runOutput';
import { runCommand, type CommandContext } from './shared';

/** One NDJSON record of `iflow batch`: a job line's result or partial document, or its error and exit code (2 bad input, 1 runtime failure). */
export type BatchRecord =
  | { line: number; ok: true; result: unknown }
  | { line: number; ok: true; partial: unknown }
  | { line: number; ok: false; error: string; exitCode: number; result?: unknown; partial?: unknown };

/** What a batch job needs from the command: --quiet, and the interrupts received since the job started. */
export interface JobContext {
  quiet: boolean;
  interrupts: () => number;
}

/** Run one job line (already known not to be blank or a comment). Never throws. */
export async function runJob(text: string, line: number, jc: JobContext): Promise<BatchRecord> {
  const prefix = `line ${line}: `;
  const reporter = createReporter(jc.quiet);
  try {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (e) {
      throw new UsageError(`invalid JSON: ${(e as Error).message}`);
    }
    if (typeof data !== 'object' || data === null || Array.isArray(data)) {
      throw new UsageError('expected a JSON object of integrate options, e.g. {"expression": "x1*x2", "dim": 2}');
    }
    const parsed = integrateCommandSchema.parse(data);
    const given = givenInObject(data);
    checkOptionCombinations(parsed);
    const { options, defaults, integrand } = expandIntegrandRef(parsed);
    checkRunOptions(options);
    if (options.plot !== undefined || options.plotPair !== undefined) {
      throw new UsageError('plot is not available in batch jobs', 'run iflow integrate --plot DIR for the pictures of one problem');
    }
    if (options.scan !== undefined) {
      throw new UsageError(
        'scan is not available in batch jobs',
        'write one job line per value with its "param", or run iflow integrate --scan',
      );
    }
    checkSaveTarget(options, (m) => reporter.warn(prefix + m));
    const prepared = prepareProblem(options, defaults);
    for (const w of ignoredOptionWarnings(options, given)) reporter.warn(prefix + w);
    const out = await runIntegrateDetailed(prepared, {
      ...reporter.hooks,
      onWarning: (m) => reporter.warn(prefix + m),
      interrupts: jc.interrupts,
    });
    reporter.stop();
    try {
      if (integrand) out.result.library = libraryInfo(integrand, out.result);
      const body = options.partial ? { partial: runPartial(out) } : { result: resultSchema.parse(out.result) };
      const { error } = trySaveRunModel(prepared, out.flow, out.result.training);
      if (error !== null) {
        // the finished run stays in the record
        if (!jc.quiet) process.stderr.write(`iflow: ${prefix}${error}\n`);
        return { line, ok: false, error, exitCode: EXIT_FAILURE, ...body };
      }
      return { line, ok: true, ...body } as BatchRecord;
    } finally {
      out.flow?.dispose();
    }
  } catch (err) {
    reporter.stop();
    const { message, code } = classifyError(err);
    if (!jc.quiet) process.stderr.write(`iflow: ${prefix}${message.replace(/\s*\n\s*/g, ' ')}\n`);
    return { line, ok: false, error: message, exitCode: code };
  }
}

/** Open the job file (or stdin for '-'); a file that cannot be opened is a UsageError. */
function openJobs(file: string): NodeJS.ReadableStream {
  if (file === '-') return process.stdin;
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
    if (fs.fstatSync(fd).isDirectory()) {
      fs.closeSync(fd);
      throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read the job file ${file} (${code === 'ENOENT' ? 'no such file' : (code ?? 'read error')})`);
  }
  return fs.createReadStream('', { fd, encoding: 'utf8' });
}

/**
 * The `batch` subcommand: runs each job line of an NDJSON file (or stdin) as integrate and
 * writes one BatchRecord per job; exits 1 when any job failed, 2 when the file cannot be read
 * (UsageError), 130 when interrupted.
 */
export function batchCommand(ctx: CommandContext): Command {
  const cmd = new Command('batch')
    .description('run integrate jobs from an NDJSON file (one JSON object of options per line); one NDJSON record per job')
    .argument('<file>', "job file, or '-' for stdin");
  addFlags(cmd, 'batch');
  cmd.addHelpText(
    'after',
    `
Job lines use integrate's options under their camelCase names; blank lines and # comments are
skipped. Records: {"line":n,"ok":true,"result":{...}} or {"line":n,"ok":false,"error":"...","exitCode":2}.

Example:
  printf '%s\\n' '{"expression":"x1*x2","dim":2,"samples":1000,"method":"uniform"}' \\
                 '{"expression":"exp(-x1^2)","dim":1,"bounds":"-3:3","epochs":50}' | iflow batch -`,
  );
  cmd.action(async (file: string, raw: Record<string, unknown>) => {
    await runCommand(ctx, raw, async () => {
      const input = openJobs(file);
      const jc: JobContext = { quiet: raw.quiet === true, interrupts: ctx.interrupts };
      const rl = readline.createInterface({ input, crlfDelay: Infinity });
      let lineNo = 0;
      let failed = false;
      try {
        for await (const text of rl) {
          lineNo++;
          const trimmed = text.trim();
          if (trimmed === '' || trimmed.startsWith('#')) continue;
          const atStart = ctx.interrupts();
          const record = await runJob(trimmed, lineNo, { ...jc, interrupts: () => ctx.interrupts() - atStart });
          ctx.write(JSON.stringify(record) + '\n');
          if (!record.ok) failed = true;
          if (ctx.interrupts() > atStart) return EXIT_INTERRUPTED;
        }
      } catch (e) {
        if (e instanceof UsageError) throw e;
        const code = (e as NodeJS.ErrnoException).code;
        throw new UsageError(`cannot read the job file ${file} after line ${lineNo} (${code ?? (e as Error).message})`);
      } finally {
        rl.close();
      }
      return failed ? EXIT_FAILURE : 0;
    });
  });
  return cmd;
}
