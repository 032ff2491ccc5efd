/**
 * Entry point of the `iflow` command: wires the subcommands, the interrupt handling and the
 * exit codes (0 ok, 1 runtime failure, 2 bad input, 3 unreliable estimate with --strict,
 * 130 interrupted).
 */
import { Command, CommanderError } from 'commander';
import { VERSION } from '../version';
import { EXIT_INTERRUPTED, EXIT_USAGE, reportError } from './errors';
import { integrateCommand } from './integrate';
import { evaluateCommand } from './evaluate';
import { sampleCommand } from './sample';
import { mergeCommand } from './merge';
import { plotCommand } from './plot';
import { batchCommand } from './batch';
import { listCommand } from './list';
import { benchCommand } from './bench';
import type { CommandContext } from './shared';

export function buildProgram(ctx: CommandContext): Command {
  const program = new Command('iflow')
    .description('Monte Carlo integration with i-flow normalizing flows (spline couplings trained with TensorFlow.js)')
    .version(VERSION)
    .configureOutput({
      writeOut: (s) => process.stdout.write(s),
      writeErr: (s) => process.stderr.write(s),
      outputError: (s, write) => write(`iflow: ${s.replace(/^error: /, '').trim().replace(/\s*\n\s*/g, ' ')} (see --help)\n`),
    });
  program.addCommand(integrateCommand(ctx));
  program.addCommand(evaluateCommand(ctx));
  program.addCommand(sampleCommand(ctx));
  program.addCommand(mergeCommand(ctx));
  program.addCommand(plotCommand(ctx));
  program.addCommand(batchCommand(ctx));
  program.addCommand(listCommand(ctx));
  program.addCommand(benchCommand(ctx));
  // exit codes are decided here, not inside commander
  const override = (cmd: Command) => {
    if (cmd !== program) cmd.copyInheritedSettings(program);
    cmd.exitOverride();
    cmd.commands.forEach(override);
  };
  override(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  let interrupts = 0;
  let exitCode = 0;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    // a closed pipe (e.g. `| head`) ends the program quietly
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  process.on('SIGINT', () => {
    interrupts++;
    if (interrupts >= 2) {
      process.stderr.write('\niflow: interrupted again, aborting\n');
      process.exit(EXIT_INTERRUPTED);
    }
    process.stderr.write('\niflow: interrupt: finishing the current stage early (press Ctrl-C again to abort)\n');
  });
  const ctx: CommandContext = {
    write: (text) => process.stdout.write(text),
    interrupts: () => interrupts,
    setExitCode: (code) => {
      exitCode = code;
    },
  };
  const program = buildProgram(ctx);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version exit 0; usage errors were already printed by commander
      exitCode = err.exitCode === 0 ? 0 : EXIT_USAGE;
    } else {
      exitCode = reportError(err, argv.includes('--debug'));
    }
  }
  process.exitCode = exitCode;
}
