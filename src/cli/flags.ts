/**
 * Every flag of the terminal commands, declared once: its spelling, its help, the option it
 * sets (a key of the command's schema, which also gives its default and choices) and how its
 * values are collected. From this table come commander's options of integrate, evaluate,
 * sample, bench, batch and merge (commands share the entries they have in common), the keys of
 * batch job lines, the defaults printed by --help, and the flag names in error messages.
 */
import { Command, Option } from 'commander';
import * as z from 'zod';
import { formatCalls } from '../bench/render';
import { DEFAULT_BUDGET, DEFAULT_SEEDS, QUICK_BUDGET, SUITE_IDS } from '../bench/suite';
import { TTP_METHODS } from '../bench/ttp';
import { UsageError } from '../errors';
import { EXIT_UNRELIABLE } from './exitCodes';
import {
  benchOptionsSchema,
  batchOptionsSchema,
  filesShape,
  integrateCommandSchema,
  modelShape,
  outputShape,
  sampleOnlySchema,
} from './options';

/** The commands whose flags come from the table. */
export type CommandName = 'integrate' | 'evaluate' | 'sample' | 'bench' | 'batch' | 'merge';

/** One flag. */
export interface FlagEntry {
  /** The option it sets: a key of the command's schema (commander's attribute name). */
  key: string;
  /** Commander's spelling: short and long flag and value placeholder, e.g. "-d, --dim <d>". */
  flags: string;
  /** Help text. */
  help: string;
  /** Help text of a command that says it otherwise. */
  helpIn?: Partial<Record<CommandName, string>>;
  /** The commands where the flag must be given. */
  requiredIn?: readonly CommandName[];
  /**
   * How a value joins the ones before it: repeatable flags collect their values into a list.
   * Without it the value is the text as given, read by the schema (numbers by parseNumber in
   * src/options.ts, lists by splitting at commas).
   */
  parse?: (value: string, previous: unknown) => unknown;
}

/** A commander value parser that refuses a second occurrence of the flag (UsageError, exit 2). */
function onlyOnce(flag: string, hint: string): (value: string, previous: unknown) => string {
  return (value, previous) => {
    if (previous !== undefined) throw new UsageError(`${flag} is given twice`, hint);
    return value;
  };
}

/** Commander collector for repeatable flags. */
function collect(value: string, previous: unknown): string[] {
  return [...(Array.isArray(previous) ? (previous as string[]) : []), value];
}

/** Help of --threads: where threads are spent, and when the default of 2 uses one. */
const THREADS_HELP =
  'most threads (wasm/cpu backends; never more than the CPUs this process may use): training cuts a batch of B calls into ' +
  'min(n, floor(B/1000)) slices trained in parallel, so the default --batch 1000 trains on one thread and --batch 2000 on two; ' +
  'evaluations of 131072 samples or more map their chunks on n threads. The seed and the slice count fix the numbers, ' +
  'not the machine: a task given one CPU runs every slice on its one thread';

/** Help of --strict, with the exit code of an unreliable estimate. */
const STRICT_HELP = `exit with code ${EXIT_UNRELIABLE} when the estimate is unreliable (verdict: Pareto k-hat, ESS, largest weight, iterations' Q, non-finite values, zero integrand); the report is still printed`;

const PARTIAL_HELP = 'print mergeable sufficient statistics (JSON) instead of the report; combine runs with iflow merge';

/** The table, in the order of the help pages. */
export const FLAGS: readonly FlagEntry[] = [
  // problem
  {
    key: 'model',
    flags: '--model <dir>',
    help: 'sample a flow saved by --save-model instead of training one',
    helpIn: { evaluate: 'directory written by integrate --save-model' },
    requiredIn: ['evaluate'],
  },
  { key: 'dim', flags: '-d, --dim <d>', help: 'number of dimensions (1-128)' },
  {
    key: 'bounds',
    flags: '--bounds <lo:hi,...>',
    help: 'integration domain: one lo:hi for all dimensions or one per dimension (default 0:1); inf and -inf allowed, e.g. --bounds=-inf:inf or 0:inf',
    helpIn: { sample: 'domain: one lo:hi for all dimensions or one per dimension (default 0:1); inf and -inf allowed' },
  },
  {
    key: 'scale',
    flags: '--scale <s|auto>',
    help: 'scale of the maps of infinite axes: auto (a pilot run of 10000 calls picks centre and scale) or s (one, or one per dimension; centre 0)',
    helpIn: { sample: 'scale of the maps of infinite axes: auto (pilot run) or s (one, or one per dimension)' },
  },
  {
    key: 'powerMap',
    flags: '--power-map <mode>',
    help: 'power maps at integrable singularities of faces, edges and corners (e.g. x1^-0.9 at 0), under VEGAS and the flow: auto (a probe of the integrand finds them) or none',
  },
  { key: 'param', flags: '-p, --param <name=value>', help: 'named constant used in the expression (repeatable)', parse: collect },
  {
    key: 'event',
    flags: '-e, --event <expr>',
    help: 'estimate P_p(A) for the boolean expression A, e.g. "x1 > 0.9" (repeatable)',
    helpIn: { evaluate: 'estimate P_p(A) for the boolean expression A (repeatable)' },
    parse: collect,
  },
  { key: 'tail', flags: '--tail <g>', help: 'estimate P_p(x_k >= g) for every dimension k (repeatable)', parse: collect },
  {
    key: 'also',
    flags: '--also <expr>',
    help: 'estimate a further integral G = ∫ g on the same points as F (repeatable): its error, the covariance with F and the ratio G/F; the sampler is trained on f only',
    parse: collect,
  },
  {
    key: 'alsoLabel',
    flags: '--also-label <name>',
    help: 'label of the --also of the same position (repeatable; default G1, G2, ...)',
    parse: collect,
  },
  {
    key: 'hist',
    flags: '--hist <expr:lo:hi:bins>',
    help: 'histogram of the observable expr on [lo, hi) in equal bins: the integral of f per bin with its error, under- and overflow (repeatable)',
    parse: collect,
  },
  {
    key: 'scan',
    flags: '--scan <name=lo:hi:count>',
    help: "one estimate per value of the constant name (count equal steps from lo to hi, or a list name=v1,v2,...), each starting from the previous value's map and flow; one row (or JSON line) per value",
    parse: onlyOnce('--scan', 'a scan runs over one constant; run one scan per constant'),
  },
  {
    key: 'histNormalize',
    flags: '--hist-normalize',
    help: 'histogram contents as fractions of F (the distribution of the observable under p = f/F)',
  },
  // sample's own
  { key: 'format', flags: '--format <f>', help: 'output format: CSV with header x1..xd,weight, or one JSON object per line' },
  { key: 'unweighted', flags: '--unweighted', help: 'accept-reject against the largest weight of a pilot run: N events of weight 1' },
  { key: 'pilot', flags: '--pilot <N>', help: 'points of the pilot run that sets the maximum weight (--unweighted)' },
  {
    key: 'seed',
    flags: '-s, --seed <n>',
    help: 'random seed; the same seed, backend and --threads give the same numbers',
    helpIn: { evaluate: 'random seed; the seed of the saving run reproduces its evaluation', sample: 'random seed' },
  },
  { key: 'backend', flags: '--backend <name>', help: 'TensorFlow.js backend' },
  { key: 'nan', flags: '--nan <policy>', help: 'non-finite integrand values: stop with an error, or count them as 0' },
  // the estimate
  {
    key: 'samples',
    flags: '-n, --samples <N>',
    help: 'integrand calls for the final estimate when no accuracy target is given (fresh samples after adaptation and training)',
    helpIn: { evaluate: 'integrand calls for the estimate', sample: 'points to write (events with --unweighted)' },
  },
  { key: 'iterations', flags: '--iterations <k>', help: 'split the estimate into k iterations and report chi2/dof and Q' },
  {
    key: 'relError',
    flags: '--rel-error <r>',
    help: 'accuracy target: sample until SE <= max(abs-error, r |F|), in rounds of fresh samples (-n is then ignored)',
  },
  { key: 'absError', flags: '--abs-error <a>', help: 'accuracy target: absolute standard error (with --rel-error the looser of the two)' },
  { key: 'maxCalls', flags: '--max-calls <N>', help: 'most calls of an estimate with an accuracy target' },
  {
    key: 'maxTime',
    flags: '--max-time <s>',
    help: 'most seconds of the whole run, training included; the estimate so far is reported with the calls the target would need',
    helpIn: { bench: 'with --ttp: --max-time of each run (default 60)' },
  },
  {
    key: 'method',
    flags: '--method <m>',
    help: 'auto: adapt a VEGAS map, train a flow on top only while it pays, sample with the faster; vegas: VEGAS+ alone; flow: always sample from the trained flow; uniform: plain Monte Carlo',
  },
  {
    key: 'premap',
    flags: '--premap <map>',
    help: 'map under the flow: vegas (x = V(T(z)), the flow starts as VEGAS) or none (the bare flow)',
  },
  {
    key: 'principalAxes',
    flags: '--principal-axes <mode>',
    help:
      'VEGAS on the principal axes of p = |f|/F: auto (when the first adaptation finds correlated coordinates, a ridge or peaks ' +
      "off the axes, adapt again on the rotated cube and sample with the better map) or none (the cube's own axes)",
  },
  {
    key: 'defensive',
    flags: '--defensive <a>',
    help:
      'defensive sampling when the estimate samples a flow: draw from (1 - a) q_flow + a q_0, q_0 the VEGAS map alone (or uniform ' +
      'without a premap), so that a bounded integrand has weights at most f/(a q_0); a in [0, 1), 0 = off',
  },
  { key: 'baseline', flags: '--no-baseline', help: 'skip the uniform Monte Carlo baseline' },
  { key: 'baselineSamples', flags: '--baseline-samples <N>', help: 'calls for the uniform baseline (default: as many as --samples)' },
  // the flow and its training
  { key: 'spline', flags: '--spline <kind>', help: 'coupling transform' },
  { key: 'bins', flags: '--bins <K>', help: 'bins per spline' },
  { key: 'layers', flags: '--layers <J>', help: 'coupling layers (default J_min: d for d <= 5, 2 ceil(log2 d) above)' },
  { key: 'forceLayers', flags: '--force-layers', help: 'allow --layers below J_min' },
  { key: 'hidden', flags: '--hidden <w,w,...>', help: 'hidden layer widths of each coupling MLP' },
  { key: 'blob', flags: '--blob <B>', help: 'one-blob encoding of MLP inputs with B bins (0 = off)' },
  {
    key: 'loss',
    flags: '--loss <name>',
    help: 'training divergence; variance and chi2 are one loss, Var(f/q)/F^2, under two names (identical results)',
  },
  { key: 'epochs', flags: '--epochs <n>', help: 'training steps, each on a fresh batch' },
  { key: 'batch', flags: '--batch <n>', help: 'integrand calls per training step' },
  { key: 'lr', flags: '--lr <rate>', help: 'Adam learning rate' },
  { key: 'decay', flags: '--decay <r>', help: 'learning-rate decay per epoch: lr (1-r)^epoch' },
  { key: 'clip', flags: '--clip <norm>', help: 'clip the global gradient norm' },
  {
    key: 'anneal',
    flags: '--anneal <fraction>',
    help: 'train on |f|^beta, beta rising from --anneal-start to 1 over this fraction of the epochs (0 = off)',
  },
  { key: 'annealStart', flags: '--anneal-start <beta>', help: 'first exponent of the tempered integrand' },
  {
    key: 'targetRelError',
    flags: '--target-rel-error <r>',
    help: 'stop training once the predicted relative error of the estimate is below r',
  },
  { key: 'threads', flags: '--threads <n>', help: THREADS_HELP },
  // files and output
  {
    key: 'saveModel',
    flags: '--save-model <dir>',
    help: 'save the trained flow to this directory (model.json + weights.bin) for evaluate and sample',
    helpIn: { sample: 'also save the trained flow to this directory' },
  },
  {
    key: 'partial',
    flags: '--partial',
    help: PARTIAL_HELP,
    helpIn: { merge: 'print the merged statistics as a partial document (to merge again later)' },
  },
  // bench's own
  { key: 'cases', flags: '--cases <id,id,...>', help: `cases to run (default: the suite: ${SUITE_IDS.join(', ')}); also <integrand>_d<d>` },
  { key: 'budget', flags: '--budget <N>', help: `integrand calls per run, training included (default ${formatCalls(DEFAULT_BUDGET)})` },
  { key: 'seeds', flags: '--seeds <k>', help: `runs per case and method, seeds 1..k (default ${DEFAULT_SEEDS})` },
  { key: 'firstSeed', flags: '--first-seed <s>', help: 'start the seeds at s instead of 1 (to split a bench over processes)' },
  { key: 'quick', flags: '--quick', help: `a short run: --budget ${formatCalls(QUICK_BUDGET)} and 1 seed unless given` },
  {
    key: 'ttp',
    flags: '--ttp',
    help: 'time to precision instead: whole-process seconds of `iflow integrate --rel-error r` per case, target and method, beside vegas+ (about 1-2 hours for the whole suite; narrow it with --cases, --methods, --targets, --seeds)',
  },
  { key: 'targets', flags: '--targets <r,r,...>', help: 'with --ttp: relative errors (default 1e-3,1e-4)' },
  { key: 'methods', flags: '--methods <m,m,...>', help: `with --ttp: methods among ${TTP_METHODS.join(', ')} (default all)` },
  {
    key: 'from',
    flags: '--from <file...>',
    help: 'run nothing: merge reports written by bench --json (other cases or seeds, one budget) into one',
  },
  // output
  { key: 'json', flags: '--json', help: 'print one JSON document instead of the table' },
  { key: 'strict', flags: '--strict', help: STRICT_HELP },
  {
    key: 'quiet',
    flags: '-q, --quiet',
    help: 'no progress or warnings on stderr',
    helpIn: {
      sample: 'no progress, summary or warnings on stderr',
      bench: 'no progress on stderr',
      batch: 'no progress, warnings or error lines on stderr (the records still carry the errors)',
      merge: 'no warnings on stderr',
    },
  },
  {
    key: 'debug',
    flags: '--debug',
    help: 'stack traces on errors, and a line on stderr as each stage starts',
    helpIn: {
      evaluate: 'stack traces and generated code on errors',
      sample: 'stack traces and generated code on errors; output buffer and peak memory at the end',
      bench: 'stack traces on errors',
      batch: 'stack traces on errors of the batch itself',
      merge: 'stack traces on errors',
    },
  },
  // pictures
  {
    key: 'plot',
    flags: '--plot <dir>',
    help: 'write SVG pictures (training history, marginals of p and q, weight distribution) and index.html to this directory',
  },
  { key: 'plotPair', flags: '--plot-pair <a,b>', help: 'dimensions of the two-dimensional marginal (default 1,2)' },
  { key: 'plotDims', flags: '--plot-dims <n>', help: 'one-dimensional marginals of the first n dimensions' },
];

const PROBLEM_KEYS = ['dim', 'bounds', 'scale', 'powerMap', 'param', 'event', 'tail', 'seed', 'backend', 'nan'];
const OBSERVABLE_KEYS = ['also', 'alsoLabel', 'hist', 'histNormalize'];
const TARGET_KEYS = ['relError', 'absError', 'maxCalls', 'maxTime'];
const FLOW_KEYS = [
  'spline',
  'bins',
  'layers',
  'forceLayers',
  'hidden',
  'blob',
  'loss',
  'epochs',
  'batch',
  'lr',
  'decay',
  'clip',
  'anneal',
  'annealStart',
  'targetRelError',
  'threads',
];
const OUTPUT_KEYS = ['json', 'strict', 'quiet', 'debug'];
const PLOT_KEYS = ['plot', 'plotPair', 'plotDims'];

/** The flags of each command, by option key, in the order of its help page. */
export const COMMAND_FLAGS: Readonly<Record<CommandName, readonly string[]>> = {
  integrate: [
    ...PROBLEM_KEYS,
    ...OBSERVABLE_KEYS,
    'scan',
    'samples',
    'iterations',
    ...TARGET_KEYS,
    'method',
    'premap',
    'principalAxes',
    'defensive',
    'baseline',
    'baselineSamples',
    ...FLOW_KEYS,
    'saveModel',
    'partial',
    ...OUTPUT_KEYS,
    ...PLOT_KEYS,
  ],
  evaluate: [
    'model',
    'samples',
    'iterations',
    ...TARGET_KEYS,
    'seed',
    'event',
    'tail',
    ...OBSERVABLE_KEYS,
    'threads',
    'defensive',
    'baseline',
    'baselineSamples',
    'backend',
    'nan',
    'partial',
    ...OUTPUT_KEYS,
    ...PLOT_KEYS,
  ],
  sample: [
    'model',
    'dim',
    'bounds',
    'scale',
    'powerMap',
    'param',
    'samples',
    'format',
    'unweighted',
    'pilot',
    'seed',
    'backend',
    'nan',
    ...FLOW_KEYS,
    'saveModel',
    'quiet',
    'debug',
  ],
  bench: [
    'cases',
    'budget',
    'seeds',
    'firstSeed',
    'quick',
    'ttp',
    'targets',
    'methods',
    'maxTime',
    'from',
    'backend',
    'json',
    'quiet',
    'debug',
  ],
  batch: ['quiet', 'debug'],
  merge: ['json', 'partial', 'strict', 'quiet', 'debug'],
};

/** The schema of each option of a command, by key: where its default and its choices come from. */
export function commandShape(command: CommandName): Record<string, z.ZodType> {
  switch (command) {
    case 'integrate':
      return integrateCommandSchema.shape;
    case 'evaluate':
      return { ...integrateCommandSchema.shape, ...modelShape };
    case 'sample':
      return { ...integrateCommandSchema.shape, ...sampleOnlySchema.shape };
    case 'bench':
      return benchOptionsSchema.shape;
    case 'batch':
      return batchOptionsSchema.shape;
    case 'merge':
      return {
        json: outputShape.json,
        partial: filesShape.partial,
        strict: outputShape.strict,
        quiet: outputShape.quiet,
        debug: outputShape.debug,
      };
  }
}

const BY_KEY = new Map(FLAGS.map((e) => [e.key, e]));

/** The long flag of an entry as written, e.g. "--dim" or "--no-baseline". */
export function longFlag(entry: FlagEntry): string {
  return /(--[a-z][a-z0-9-]*)/.exec(entry.flags)![1];
}

/** "baselineSamples" -> "--baseline-samples". */
function kebabFlag(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())}`;
}

/**
 * The flag that sets an option, for messages: "baselineSamples" -> "--baseline-samples";
 * a negated flag names its option ("baseline" -> "--baseline"); the integrand is "expression".
 */
export function flagOf(key: string): string {
  if (key === 'expression') return 'expression';
  const entry = BY_KEY.get(key);
  return entry ? longFlag(entry).replace(/^--no-/, '--') : kebabFlag(key);
}

/** The schema under its defaults and optionality. */
function innerType(schema: z.ZodType): z.ZodType {
  let t: z.ZodType = schema;
  while (t instanceof z.ZodDefault || t instanceof z.ZodOptional) t = t.unwrap() as z.ZodType;
  return t;
}

/** The choices of an option whose schema is an enum. */
function choicesOf(schema: z.ZodType): readonly string[] | undefined {
  const t = innerType(schema);
  return t instanceof z.ZodEnum ? (t.options as string[]) : undefined;
}

/**
 * The schema's default of an option, and as --help shows it: the flag value that gives it, in
 * quotes ("16", "32,32,32", "auto"). Undefined when the help shows none: no default, a flag
 * without a value, or a repeatable flag.
 */
function shownDefault(entry: FlagEntry, schema: z.ZodType): { value: unknown; text: string } | undefined {
  if (entry.parse !== undefined || !/[<[]/.test(entry.flags)) return undefined;
  const r = schema.safeParse(undefined);
  if (!r.success || r.data === undefined) return undefined;
  const text = Array.isArray(r.data) ? r.data.join(',') : String(r.data);
  return { value: r.data, text: JSON.stringify(text) };
}

/** The commander option of an entry for a command. */
function commanderOption(entry: FlagEntry, command: CommandName): Option {
  const schema = commandShape(command)[entry.key];
  if (schema === undefined) throw new Error(`flag table: ${command} has no option ${entry.key}`);
  const option = new Option(entry.flags, entry.helpIn?.[command] ?? entry.help);
  const choices = choicesOf(schema);
  if (choices !== undefined) option.choices([...choices]);
  if (entry.parse !== undefined) option.argParser(entry.parse);
  const shown = shownDefault(entry, schema);
  if (shown !== undefined) option.default(shown.value, shown.text);
  if (entry.requiredIn?.includes(command)) option.makeOptionMandatory();
  return option;
}

/** Add the flags of `command` (COMMAND_FLAGS) to `cmd`; the ones of `keys` only when given. */
export function addFlags(cmd: Command, command: CommandName, keys: readonly string[] = COMMAND_FLAGS[command]): Command {
  for (const key of keys) {
    const entry = BY_KEY.get(key);
    if (entry === undefined) throw new Error(`flag table: no flag for ${key}`);
    cmd.addOption(commanderOption(entry, command));
  }
  return cmd;
}

/** The keys of a batch job line: the integrand expression and every option of integrate. */
export const BATCH_JOB_KEYS: readonly string[] = ['expression', ...COMMAND_FLAGS.integrate];

/** Edit distance (Levenshtein), for did-you-mean suggestions. */
function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

/**
 * The known key that `key` most likely means: its camelCase form ("baseline-samples",
 * "--epochs"), the same ignoring case, or one within two edits; undefined when none is close.
 */
export function suggestKey(key: string, known: readonly string[]): string | undefined {
  const camel = key.replace(/^-+/, '').replace(/[-_]+([a-zA-Z])/g, (_, c: string) => c.toUpperCase());
  const exact = known.find((k) => k === camel || k.toLowerCase() === camel.toLowerCase());
  if (exact) return exact;
  let best: string | undefined;
  let bestD = 3;
  for (const k of known) {
    const d = editDistance(camel.toLowerCase(), k.toLowerCase());
    if (d < bestD) {
      best = k;
      bestD = d;
    }
  }
  return best;
}
