/**
 * `iflow merge part*.json`: combine --partial documents of independent runs of one problem
 * into one report (command 'merge'), as if their samples had come from one run. Each file
 * becomes one iteration of the merged result; see src/partial.ts.
 */
import { Command } from 'commander';
import { UsageError } from '../errors';
import { readJsonFile } from '../jsonFile';
import { mergePartials, partialSchema, PARTIAL_FORMAT, PARTIAL_VERSION, type NamedPartial } from '../partial';
import { resultSchema } from '../report/schema';
import { renderText } from '../report/text';
import { VERSION } from '../version';
import { createReporter } from './progress';
import { runCommand, type CommandContext } from './shared';
import { runExitCode } from './integrate';
import { addFlags } from './flags';

/** Read and validate one partial document; every problem is a UsageError naming the file. */
function readPartial(file: string): NamedPartial {
  const data = readJsonFile(file, file, 'give files written with --partial');
  const tag = typeof data === 'object' && data !== null ? (data as { format?: unknown; version?: unknown }) : {};
  if (tag.format !== PARTIAL_FORMAT) {
    throw new UsageError(
      `${file} is not an iflow partial result (no "format": "${PARTIAL_FORMAT}")`,
      'write it with integrate or evaluate --partial',
    );
  }
  if (tag.version !== PARTIAL_VERSION) {
    throw new UsageError(`${file} has format version ${String(tag.version)}; iflow ${VERSION} reads version ${PARTIAL_VERSION}`);
  }
  const parsed = partialSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`${file} is not a valid partial result: ${issue.path.join('.')}${issue.path.length ? ': ' : ''}${issue.message}`);
  }
  return { name: file, doc: parsed.data };
}

/**
 * The `merge` subcommand: reads --partial documents, merges them (mergePartials) and writes the
 * text report, the result document (--json) or the merged partial document (--partial); exits 3
 * on an unreliable estimate with --strict, 2 (UsageError) on unreadable or unmergeable files.
 */
export function mergeCommand(ctx: CommandContext): Command {
  const cmd = new Command('merge')
    .description('combine --partial results of independent runs (other seeds) into one report')
    .argument('<files...>', 'JSON documents written by integrate/evaluate --partial');
  addFlags(cmd, 'merge');
  cmd.addHelpText(
    'after',
    `
Each file counts as one iteration of the merged result (chi2/dof and Q compare the files);
the estimate is computed from the sums over all samples. Files that hold the same samples (a
file and a merge that contains it, two copies, two baselines of one seed) are refused.

Examples:
  for s in 1 2 3 4; do iflow integrate "x1*x2" --dim 2 --method uniform --seed $s --partial > part-$s.json; done
  iflow merge part-*.json`,
  );
  cmd.action(async (files: string[], raw: Record<string, unknown>) => {
    await runCommand(ctx, raw, async () => {
      const parts = files.map(readPartial);
      const reporter = createReporter(raw.quiet === true);
      const merged = mergePartials(parts, reporter.warn);
      if (raw.partial === true) ctx.write(JSON.stringify(partialSchema.parse(merged.partial), null, 2) + '\n');
      else if (raw.json === true) ctx.write(JSON.stringify(resultSchema.parse(merged.result), null, 2) + '\n');
      else ctx.write(renderText(merged.result));
      return runExitCode({ interrupted: false, reliable: merged.result.reliable }, raw.strict === true);
    });
  });
  return cmd;
}
