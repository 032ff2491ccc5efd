/**
 * The flag table (src/cli/flags.ts): commander's options, the defaults printed by --help and the
 * keys of batch job lines all come from it, and the defaults are the schemas'.
 */
import type { Command } from 'commander';
import { ZodError } from 'zod';
import { integrateOptionsShape, parseNumber } from '../../src/options';
import { integrateCommandSchema } from '../../src/cli/options';
import { BATCH_JOB_KEYS, COMMAND_FLAGS, FLAGS, commandShape, flagOf, longFlag, type CommandName } from '../../src/cli/flags';
import { classifyError, describeZodError } from '../../src/cli/errors';
import { OptionError } from '../../src/errors';
import { integrateCommand } from '../../src/cli/integrate';
import { evaluateCommand } from '../../src/cli/evaluate';
import { sampleCommand } from '../../src/cli/sample';
import { benchCommand } from '../../src/cli/bench';
import { batchCommand } from '../../src/cli/batch';
import { mergeCommand } from '../../src/cli/merge';
import { runJob } from '../../src/cli/batch';
import { fakeContext } from './helpers';

const { ctx } = fakeContext();
const COMMANDS: Record<CommandName, Command> = {
  integrate: integrateCommand(ctx),
  evaluate: evaluateCommand(ctx),
  sample: sampleCommand(ctx),
  bench: benchCommand(ctx),
  batch: batchCommand(ctx),
  merge: mergeCommand(ctx),
};
const NAMES = Object.keys(COMMANDS) as CommandName[];
const squeeze = (s: string) => s.replace(/\s+/g, ' ');

describe('the flag table', () => {
  test.each(NAMES)('%s: its commander options are its table entries, each an option of its schema', (name) => {
    const cmd = COMMANDS[name];
    expect(cmd.options.map((o) => o.attributeName())).toEqual([...COMMAND_FLAGS[name]]);
    const shape = commandShape(name);
    for (const key of COMMAND_FLAGS[name]) expect(shape[key]).toBeDefined();
  });

  test.each(NAMES)('%s: every default printed by --help is the schema default, and every flag keeps its help', (name) => {
    const cmd = COMMANDS[name];
    const help = squeeze(cmd.helpInformation());
    const shape = commandShape(name);
    let shown = 0;
    for (const option of cmd.options) {
      const key = option.attributeName();
      const description = cmd.createHelp().optionDescription(option);
      expect(help).toContain(squeeze(description));
      const entry = FLAGS.find((e) => e.key === key)!;
      expect(help).toContain(squeeze(entry.helpIn?.[name] ?? entry.help));
      const printed = /default: ("(?:[^"\\]|\\.)*")/.exec(description)?.[1];
      const schemaDefault = shape[key].safeParse(undefined);
      const takesValue = option.required || option.optional;
      if (printed === undefined) {
        // no default printed: the schema has none, or the flag is a switch or repeatable
        expect(
          !takesValue || option.variadic || entry.parse !== undefined || !schemaDefault.success || schemaDefault.data === undefined,
        ).toBe(true);
        continue;
      }
      shown++;
      // the printed text, given as the flag's value, is the schema's default
      expect(shape[key].parse(JSON.parse(printed))).toEqual(schemaDefault.data);
      expect(option.defaultValue).toEqual(schemaDefault.data);
    }
    if (name === 'integrate' || name === 'sample' || name === 'evaluate') expect(shown).toBeGreaterThan(5);
  });

  test("batch job keys are integrate's options and flags: one table, one schema", () => {
    expect(BATCH_JOB_KEYS).toEqual(['expression', ...COMMANDS.integrate.options.map((o) => o.attributeName())]);
    expect(new Set(BATCH_JOB_KEYS)).toEqual(new Set(Object.keys(integrateCommandSchema.shape)));
    // every core option has a flag of integrate, so a job line and a command line set the same options
    for (const key of Object.keys(integrateOptionsShape)) expect(BATCH_JOB_KEYS).toContain(key);
  });

  test('one entry per option, and its long flag is the option name in kebab case', () => {
    const keys = FLAGS.map((e) => e.key);
    expect(new Set(keys).size).toBe(keys.length);
    for (const e of FLAGS) {
      expect(longFlag(e).replace(/^--no-/, '--')).toBe(`--${e.key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())}`);
      expect(flagOf(e.key)).toBe(longFlag(e).replace(/^--no-/, '--'));
    }
    expect(flagOf('expression')).toBe('expression');
  });

  test('shared flags: commands that have an option share its entry and spelling', () => {
    const seen = new Map<string, string>();
    for (const name of NAMES) {
      for (const o of COMMANDS[name].options) {
        const prior = seen.get(o.attributeName());
        if (prior !== undefined) expect(o.flags).toBe(prior);
        seen.set(o.attributeName(), o.flags);
      }
    }
  });
});

describe('numbers and messages', () => {
  test('one reading of numbers: flags and job lines', () => {
    for (const text of ['1e5', '100_000', ' 100000 ', '100000']) expect(parseNumber(text)).toBe(100000);
    expect(parseNumber('lots')).toBeNaN();
    expect(parseNumber('')).toBeNaN();
    const a = integrateCommandSchema.parse({ expression: 'x1', samples: '1e5', maxCalls: '1_000_000' });
    const b = integrateCommandSchema.parse({ expression: 'x1', samples: 100000, maxCalls: 1e6 });
    expect(a).toEqual(b);
  });

  test('validation errors name the flag of the option', () => {
    const r = integrateCommandSchema.safeParse({ expression: 'x1', baselineSamples: '1' });
    expect(describeZodError(r.error as ZodError)).toMatch(/^--baseline-samples: must be at least 2/);
    const u = integrateCommandSchema.safeParse({ expression: 'x1', epohcs: 3 });
    expect(describeZodError(u.error as ZodError)).toBe('unknown option: epohcs (did you mean "epochs", --epochs?)');
  });

  test('core errors name options; the command line spells them as flags', () => {
    const e = new OptionError('{bounds} has 2 intervals but {dim} is 3', 'e.g. {dim} 2 or {forceLayers}');
    expect(e.message).toBe('bounds has 2 intervals but dim is 3');
    expect(classifyError(e)).toEqual({ message: '--bounds has 2 intervals but --dim is 3 (e.g. --dim 2 or --force-layers)', code: 2 });
  });

  test('a job line without dim gets the flag in its message', async () => {
    const record = await runJob('{"expression": "x1", "method": "uniform"}', 1, { quiet: true, interrupts: () => 0 });
    expect(record).toMatchObject({ ok: false, exitCode: 2 });
    expect((record as { error: string }).error).toMatch(/^--dim is required/);
  });
});
