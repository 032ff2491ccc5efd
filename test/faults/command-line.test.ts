/**
 * The command line as a new user meets it: expressions that start with a minus, non-ASCII
 * formulas, repeated or unused flags, and one wording for invalid values.
 */
import fs from 'fs';
import path from 'path';
import { CommanderError } from 'commander';
import { buildProgram, looksLikeExpression, protectLeadingMinus } from '../../src/cli/main';
import { resultSchema } from '../../src/report/schema';
import { fakeContext, tempDir, type CliRun } from '../cli/helpers';

/** The CLI in this process (as main() runs it, without its signal handlers): stdout, stderr, exit code. */
async function runAsync(args: string[], input?: string): Promise<CliRun> {
  const { ctx, out, code } = fakeContext();
  const prog = buildProgram(ctx);
  const err: string[] = [];
  const spy = jest.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
    err.push(String(s));
    return true;
  });
  let exit: number;
  try {
    if (input !== undefined) {
      const { Readable } = await import('stream');
      const stdin = Readable.from([input]);
      jest.spyOn(process, 'stdin', 'get').mockReturnValue(stdin as unknown as typeof process.stdin);
    }
    await prog.parseAsync(protectLeadingMinus(prog, ['node', 'iflow', ...args]));
    exit = code();
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    exit = e.exitCode === 0 ? 0 : 2;
  } finally {
    spy.mockRestore();
    jest.restoreAllMocks();
  }
  return { code: exit, stdout: out.join(''), stderr: err.join('') };
}

const U = ['--method', 'uniform', '-n', '2000', '--json'];
const program = buildProgram(fakeContext().ctx);
const integrate = program.commands.find((c) => c.name() === 'integrate')!;

describe('expressions that start with a minus', () => {
  test('are told apart from options', () => {
    for (const t of ['-x1^2', '-exp(-x1-x2)', '-2*x1', '-(x1+x2)', '-pi*x1', '-e*x1', '-sqrt(x1)', '-x1', '-a*x1']) {
      expect([t, looksLikeExpression(integrate, t)]).toEqual([t, true]);
    }
    for (const t of ['-e', '-n', '-q', '-ex1>0', '-n1000', '-s5', '--dim', '-d2', '-p']) {
      expect([t, looksLikeExpression(integrate, t)]).toEqual([t, false]);
    }
  });

  test('move behind "--", and option values that start with a minus stay in place', () => {
    const argv = ['node', 'iflow', 'integrate', '-x1^2', '--bounds', '-1:1', '--event', '-x1>0', '--dim', '1'];
    expect(protectLeadingMinus(program, argv)).toEqual([
      'node',
      'iflow',
      'integrate',
      '--bounds',
      '-1:1',
      '--event',
      '-x1>0',
      '--dim',
      '1',
      '--',
      '-x1^2',
    ]);
    const plain = ['node', 'iflow', 'integrate', 'x1', '--bounds', '-1:1', '--dim', '1'];
    expect(protectLeadingMinus(program, plain)).toEqual(plain);
    const listed = ['node', 'iflow', 'list', '-x1'];
    expect(protectLeadingMinus(program, listed)).toEqual(listed);
  });

  test('integrate to the right value', async () => {
    const cases: [string[], number][] = [
      [['integrate', '-x1^2', '--dim', '1', ...U], -1 / 3],
      [['integrate', '-exp(-x1-x2)', '--dim', '2', ...U], -((1 - Math.exp(-1)) ** 2)],
      [['integrate', '--dim', '1', '-e', 'x1 > 0.5', '-2*x1', ...U], -1],
    ];
    const runs: CliRun[] = [];
    for (const [args] of cases) runs.push(await runAsync(args));
    runs.forEach((r, i) => {
      expect([cases[i][0].join(' '), r.stderr]).toEqual([cases[i][0].join(' '), '']);
      const doc = resultSchema.parse(JSON.parse(r.stdout));
      expect(Math.abs(doc.estimate.integral.mean - cases[i][1])).toBeLessThan(4 * doc.estimate.integral.sdev);
    });
    expect(resultSchema.parse(JSON.parse(runs[2].stdout)).problem.events).toEqual(['x1 > 0.5']);
  });
});

type Case = [string, string[], number, RegExp];
const tmp = tempDir('cli');
const exprFile = path.join(tmp, 'f.txt');
fs.writeFileSync(exprFile, 'x1*x2\n');

const cases: Case[] = [
  // non-ASCII characters, named with their replacement
  [
    'unicode minus',
    ['integrate', 'x1 \u2212 1', '--dim', '1'],
    2,
    /non-ASCII character "\u2212" \(U\+2212, minus sign\) at char 3.*write "-" instead/,
  ],
  ['en dash', ['integrate', 'x1 \u2013 1', '--dim', '1'], 2, /U\+2013, en dash.*write "-"/],
  ['square root sign', ['integrate', '\u221ax1', '--dim', '1'], 2, /square root sign.*write "sqrt\(\.\.\.\)"/],
  ['superscript two', ['integrate', 'x1\u00b2', '--dim', '1'], 2, /superscript two.*write "\^2"/],
  ['multiplication sign', ['integrate', '2\u00d7x1', '--dim', '1'], 2, /multiplication sign.*write "\*"/],
  ['unicode in an event', ['integrate', 'x1', '--dim', '1', '--event', 'x1 \u2265 0.5'], 2, /greater-than or equal to.*write ">="/],
  ['a file as the expression', ['integrate', exprFile, '--dim', '2'], 2, /is a file; the integrand is given inline/],
  // one dimension: the hints lead to x1
  ['x^2 in d = 1', ['integrate', 'x^2', '--dim', '1'], 2, /write the coordinate as the scalar x1, e\.g\. x1\^2/],
  ['x .^ 2 in d = 1', ['integrate', 'x .^ 2', '--dim', '1'], 2, /e\.g\. x1\^2/],
  // repeated, unused and ignored flags
  ['param twice', ['integrate', 'a*x1', '--dim', '1', '--param', 'a=2', '--param', 'a=3'], 2, /--param a is given twice \(2 and 3\)/],
  [
    'baseline samples without baseline',
    ['integrate', 'x1', '--dim', '1', '--no-baseline', '--baseline-samples', '100'],
    2,
    /--baseline-samples has no effect with --no-baseline/,
  ],
  [
    'one call per iteration',
    ['integrate', 'x1', '--dim', '1', '--iterations', '10', '-n', '10'],
    2,
    /--iterations 10 with --samples 10 leaves 1 call per iteration/,
  ],
  // one wording: the flag and what it accepts
  [
    'samples 1k',
    ['integrate', 'x1', '--dim', '1', '-n', '1k'],
    2,
    /^iflow: --samples: expected a number, got "1k" \(write e\.g\. 100000, 1e5 or 100_000\)$/m,
  ],
  [
    'seed too large',
    ['integrate', 'x1', '--dim', '1', '--seed', '99999999999999999999'],
    2,
    /--seed: must be at most 2\^52 \(whole numbers from 0 to 2\^52\)/,
  ],
  ['decay above 1', ['integrate', 'x1', '--dim', '1', '--decay', '2'], 2, /^iflow: --decay: must be from 0 to 1, got 2$/m],
  ['lr zero', ['integrate', 'x1', '--dim', '1', '--lr', '0'], 2, /--lr: must be greater than 0 and at most 1, got 0/],
  ['dim fraction', ['integrate', 'x1', '--dim', '2.5'], 2, /--dim: expected a whole number from 1 to 128, got 2\.5/],
  // library integrands
  ['library name case', ['integrate', '@Camel'], 2, /did you mean @camel\?/],
  ['library combined', ['integrate', '@camel*2'], 2, /cannot be combined with other terms/],
];

const warnCases: Case[] = [
  ['unused param', ['integrate', 'a*x1', '--dim', '1', '-p', 'a=2', '-p', 'b=3', ...U], 0, /--param b=3 is not used/],
  ['flow flags with uniform', ['integrate', 'x1', '--dim', '1', '--epochs', '5', ...U], 0, /--epochs is ignored with --method uniform/],
  [
    'flow flags with vegas',
    ['integrate', 'x1', '--dim', '1', '--lr', '0.01', '--method', 'vegas', '-n', '1000'],
    0,
    /--lr is ignored with --method vegas/,
  ],
  [
    'hidden in d = 1',
    ['integrate', 'x1', '--dim', '1', '--hidden', '8', '--epochs', '2', '-n', '200', '--no-baseline'],
    0,
    /--hidden is ignored in one dimension/,
  ],
  [
    'anneal-start alone',
    ['integrate', 'x1', '--dim', '2', '--anneal-start', '0.2', '--epochs', '2', '-n', '200', '--no-baseline'],
    0,
    /--anneal-start is ignored without --anneal/,
  ],
  [
    'iterations with a target',
    ['integrate', 'x1', '--dim', '1', '--rel-error', '1e-2', '--iterations', '3', ...U],
    0,
    /--iterations is ignored with an accuracy target/,
  ],
];

describe('messages', () => {
  const outcomes = new Map<string, CliRun>();
  beforeAll(async () => {
    for (const [name, args] of [...cases, ...warnCases]) outcomes.set(name, await runAsync(args));
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test.each(cases)('%s: exit 2, one line naming the problem', (name, _args, code, re) => {
    const r = outcomes.get(name)!;
    expect(r.code).toBe(code);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(re);
    expect(r.stderr).not.toMatch(/Too big|Too small|Invalid input|syntax error: syntax error/);
  });

  test.each(warnCases)('%s: runs with a warning', (name, _args, code, re) => {
    const r = outcomes.get(name)!;
    expect(r.code).toBe(code);
    expect(r.stderr).toMatch(re);
  });

  test('batch lines: did-you-mean for kebab-case and misspelled keys, a plain message for a missing expression', async () => {
    const lines = [
      { expression: 'x1', dim: 1, 'baseline-samples': 5 },
      { expression: 'x1', dim: 1, epoch: 5 },
      { dim: 1 },
      { expression: 'x1', dim: 1, decay: 3 },
    ].map((o) => JSON.stringify(o));
    const r = await runAsync(['batch', '-', '-q'], lines.join('\n') + '\n');
    const records = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(records.map((x) => x.exitCode)).toEqual([2, 2, 2, 2]);
    expect(records[0].error).toMatch(/unknown option: baseline-samples \(did you mean "baselineSamples"/);
    expect(records[1].error).toMatch(/unknown option: epoch \(did you mean "epochs"/);
    expect(records[2].error).toBe('the integrand expression is missing (e.g. "expression": "x1*x2")');
    expect(records[3].error).toBe('--decay: must be from 0 to 1, got 3');
  });
});
