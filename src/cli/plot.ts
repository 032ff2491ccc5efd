/**
 * `iflow plot result.json`: the pictures of a saved `--json` result. The training history
 * needs only the result; the marginals and the weight distribution need the `histograms`
 * field, which integrate and evaluate add when run with --plot.
 */
import fs from 'fs';
import path from 'path';
import { Command } from 'commander';
import { UsageError } from '../errors';
import { readJsonFile } from '../jsonFile';
import { resultSchema, type IntegrationResult } from '../report/schema';
import { writePlots } from './plotOutput';
import { runCommand, type CommandContext } from './shared';

const HINT = 'give the output of integrate or evaluate --json (with --plot DIR for the marginals and weights)';

/**
 * Read and check a result document ('-' reads stdin). The document is returned as read, so
 * that fields this version does not list (e.g. a tail index of the weights) reach the pictures.
 */
function readResult(file: string): IntegrationResult {
  let data: unknown;
  if (file === '-') {
    try {
      data = JSON.parse(fs.readFileSync(0, 'utf8'));
    } catch (e) {
      throw new UsageError(`stdin is not valid JSON: ${(e as Error).message}`, HINT);
    }
  } else data = readJsonFile(file, file, HINT);
  const parsed = resultSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`${file} is not an iflow result: ${issue.path.join('.')}${issue.path.length ? ': ' : ''}${issue.message}`, HINT);
  }
  return data as IntegrationResult;
}

/** The `plot` subcommand: writes the SVG pictures and index.html of a saved --json result into --out and prints the index path. */
export function plotCommand(ctx: CommandContext): Command {
  const cmd = new Command('plot')
    .description('write the SVG pictures and index.html of a result saved with --json')
    .argument('<result>', 'JSON result of integrate or evaluate --json (- for stdin)')
    .option('-o, --out <dir>', 'directory for the pictures (created if needed)', 'plots')
    .option('-q, --quiet', 'no messages on stderr')
    .option('--debug', 'stack traces on errors');
  cmd.addHelpText(
    'after',
    `
Without histograms in the result (a run without --plot) only the training history is drawn.

Examples:
  iflow integrate @gauss --dim 4 --json --plot run/ > result.json
  iflow plot result.json --out pictures/`,
  );
  cmd.action(async (file: string, raw: Record<string, unknown>) => {
    await runCommand(ctx, raw, async () => {
      const result = readResult(file);
      const dir = String(raw.out);
      if (!result.histograms && raw.quiet !== true) {
        process.stderr.write('iflow: the result has no histograms (run with --plot): drawing the training history only\n');
      }
      await writePlots(dir, result);
      ctx.write(path.join(dir, 'index.html') + '\n');
      return 0;
    });
  });
  return cmd;
}
