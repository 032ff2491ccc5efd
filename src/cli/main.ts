/**
 * Entry point of the `iflow` command: wires the subcommands, the interrupt handling and the
 * exit codes (0 ok, 1 runtime failure, 2 bad input, 3 unreliable estimate with --strict,
 * 130 interrupted).
 */
import fs from 'fs';
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
import { FUNCTIONS } from '../integrand/functions';

/** Commands whose one operand is an integrand expression. */
const EXPRESSION_COMMANDS = ['integrate', 'sample'];

/**
 * True when `token` (which starts with "-") reads as an expression rather than as a short
 * option of `cmd`: "-x1^2", "-exp(-x1-x2)", "-2*x1", "-(x1+x2)", "-pi*x1". A token that
 * starts like one of the command's short flags counts only when a function call or a
 * constant follows the minus (-exp(...), -e*x1), never for "-e" or "-ex1>0" and the like.
 */
export function looksLikeExpression(cmd: Command, token: string): boolean {
  if (token.startsWith('--') || token.length < 2) return false;
  const rest = token.slice(1);
  if (/^[0-9.([]/.test(rest)) return true;
  const ident = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest)?.[0];
  if (ident === undefined) return false;
  const after = rest.slice(ident.length);
  const isShort = cmd.options.some((o) => o.short === `-${rest[0]}`);
  if (!isShort) return true; // not an option of the command at all: it can only be an expression
  if (Object.prototype.hasOwnProperty.call(FUNCTIONS, ident) && /^\s*\(/.test(after)) return true;
  return (ident === 'pi' || ident === 'e') && /^\s*[-+*/^.)<>=!?]/.test(after);
}

/**
 * argv with an integrand that starts with a minus moved behind "--", where the parser can only
 * take it as the operand. Tokens that are the value of a preceding option stay in place.
 */
export function protectLeadingMinus(program: Command, argv: string[]): string[] {
  const at = argv.findIndex((t, i) => i >= 2 && !t.startsWith('-'));
  const cmd = at < 0 ? undefined : program.commands.find((c) => c.name() === argv[at]);
  if (!cmd || !EXPRESSION_COMMANDS.includes(cmd.name())) return argv;
  const takesValue = (flag: string) => {
    const o = cmd.options.find((opt) => opt.long === flag || opt.short === flag);
    return o !== undefined && (o.required || o.optional);
  };
  for (let i = at + 1; i < argv.length; i++) {
    const t = argv[i];
    if (t === '--') return argv;
    if (!t.startsWith('-')) continue;
    if (takesValue(t)) {
      i++; // its value may start with a minus: "--bounds -1:1", "--event -x1>0"
      continue;
    }
    if (looksLikeExpression(cmd, t)) return [...argv.slice(0, i), ...argv.slice(i + 1), '--', t];
  }
  return argv;
}

/** For an unknown option that could be an expression starting with a minus: how to write it. */
function minusHint(message: string): string | undefined {
  const m = /unknown option '(-[^']*)'/.exec(message);
  if (!m || m[1].startsWith('--')) return undefined;
  return `an expression that starts with a minus goes after --, e.g. iflow integrate --dim 2 -- "${m[1]}", or write it as "0${m[1]}"`;
}

/**
 * The `iflow` commander program with every subcommand; commander's own exits are turned into
 * CommanderErrors (exitOverride) so that `main` decides the exit code.
 */
export function buildProgram(ctx: CommandContext): Command {
  const program = new Command('iflow')
    .description('Monte Carlo integration with i-flow normalizing flows (spline couplings trained with TensorFlow.js)')
    .version(VERSION)
    .configureOutput({
      writeOut: (s) => process.stdout.write(s),
      writeErr: (s) => process.stderr.write(s),
      outputError: (s, write) =>
        write(
          `iflow: ${s
            .replace(/^error: /, '')
            .trim()
            .replace(/\s*\n\s*/g, ' ')} (${minusHint(s) ?? 'see --help'})\n`,
        ),
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

/**
 * True when stdout was closed at start (`>&-`). Node then reopens fd 1 on /dev/null for
 * reading and writing, while a shell's `> /dev/null` opens it write-only: the access mode in
 * /proc/self/fdinfo/1 tells the two apart (Linux; elsewhere this returns false).
 */
export function stdoutIsClosed(): boolean {
  try {
    if (fs.readlinkSync('/proc/self/fd/1') !== '/dev/null') return false;
    const flags = /flags:\s*([0-7]+)/.exec(fs.readFileSync('/proc/self/fdinfo/1', 'utf8'))?.[1];
    return flags !== undefined && (parseInt(flags, 8) & 3) === 2; // O_RDWR
  } catch {
    return false;
  }
}

/**
 * Run `iflow` on `argv` (process.argv form): handles SIGINT (first: finish the current stage
 * early; second: exit 130), EPIPE on stdout (exit 0), a closed stdout (exit 2), and sets
 * process.exitCode (0 ok, 1 runtime failure, 2 bad input, 3 unreliable with --strict, 130
 * interrupted).
 */
export async function main(argv: string[]): Promise<void> {
  let interrupts = 0;
  let exitCode = 0;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    // a closed pipe (e.g. `| head`) ends the program quietly
    if (err.code === 'EPIPE') process.exit(0);
    process.stderr.write(`iflow: cannot write the result to standard output (${err.code ?? err.message})\n`);
    process.exit(1);
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
  if (stdoutIsClosed() && !argv.some((a) => a === '--help' || a === '-h' || a === '--version' || a === '-V')) {
    process.stderr.write('iflow: standard output is closed (>&-), so the result would be lost; redirect it to a file or to /dev/null\n');
    process.exitCode = EXIT_USAGE;
    return;
  }
  try {
    await program.parseAsync(protectLeadingMinus(program, argv));
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
