/**
 * The library of named integrands: one JSON file per integrand in the package's integrands/
 * folder, validated at load and referred to on the command line as `@name`.
 *
 * `dim` is a parameter of every library integrand: the loader sets it to the number of
 * dimensions, so expressions and exact values may use it (e.g. "erf(1/(2*alpha))^dim").
 * Exact values given as expressions are evaluated with mathjs when an integrand is resolved.
 */
import * as fs from 'fs';
import * as path from 'path';
import type * as MathJs from 'mathjs';
import type { ZodError } from 'zod';
import { OptionError, UsageError } from '../errors';
import { mathParse, paramNameProblem, parseParam } from '../integrand/parse';
import { compileEvent, compileIntegrand } from '../integrand';
import { integrandFileSchema, type DimsSpec, type IntegrandFile } from './schema';
import { decodeBounds } from '../domain';

/** A validated library integrand with the path of its file. */
export interface IntegrandEntry extends IntegrandFile {
  /** Path of the file the entry was read from. */
  file: string;
}

/**
 * A library integrand resolved for one dimension and parameter set: what a problem is built from,
 * with the exact integral over its domain when known.
 */
export interface ResolvedIntegrand {
  name: string;
  description: string;
  expression: string;
  dim: number;
  /** The integrand's own domain, one [lo, hi] per dimension (either end may be infinite); absent: [0, 1]^d. */
  bounds?: [number, number][];
  /** Parameter values to compile with: the library defaults, the overrides, and `dim`. */
  defaults: Record<string, number>;
  /** The exact integral for these parameters and dimension, when known. */
  exact?: number;
  exactUncertainty?: number;
  /** Why `exact` is missing, when it is. */
  exactMissing?: string;
  source: string;
}

/** `@name` (or a bare name) of a library integrand. */
const REF = /^@?([A-Za-z_][A-Za-z0-9_]*)$/;

/** True when the text is a library reference such as "@camel". */
export function isIntegrandRef(text: string): boolean {
  return text.trim().startsWith('@') && REF.test(text.trim());
}

/** The integrands/ folder of the package: two levels up from src/integrands or dist/integrands. */
export function integrandsDir(): string {
  return path.resolve(__dirname, '../../integrands');
}

/** True when dimension d is among (or within the range of) the allowed `dims`. */
function dimAllowed(dims: DimsSpec, d: number): boolean {
  return Array.isArray(dims) ? dims.includes(d) : d >= dims.min && d <= dims.max;
}

/** "2", "2, 4, 8" or "1-64". */
export function formatDims(dims: DimsSpec): string {
  return Array.isArray(dims) ? dims.join(', ') : dims.min === dims.max ? String(dims.min) : `${dims.min}-${dims.max}`;
}

function describeIssues(err: ZodError): string {
  return err.issues
    .slice(0, 3)
    .map((i) => `${i.path.length > 0 ? i.path.join('.') : 'file'}: ${i.message}`)
    .join('; ');
}

type NumberMath = Pick<typeof MathJs, 'evaluate'>;
let numberMath: NumberMath | undefined;

/**
 * The number-only mathjs build, loaded on first use: the full build takes about a second to
 * load, and the library's expressions are real-valued.
 */
function math(): NumberMath {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  numberMath ??= require('mathjs/number') as NumberMath;
  return numberMath;
}

/**
 * The value of a constant expression of the parameters with the project's own float64 kernel
 * (no mathjs evaluation, so an @name run does not load the whole number build); undefined when
 * the kernel does not cover it (e.g. a function outside the supported list).
 */
function evalWithKernel(expr: string, scope: Record<string, number>, condition: boolean): number | undefined {
  try {
    const options = { dim: 1, params: scope };
    const k = condition ? compileEvent(expr, options) : compileIntegrand(expr, options);
    const out = new Float64Array(1);
    k.evaluate(new Float64Array([0.5]), 1, out);
    return out[0];
  } catch {
    return undefined;
  }
}

/** Names in a constant expression that are neither in `scope`, nor functions, nor pi/e. */
function unknownSymbols(expr: string, scope: Record<string, number>): string[] {
  const node = mathParse(expr);
  const functions = new Set(
    node.filter((n) => n.type === 'FunctionNode').map((n) => (n as unknown as { fn: { name?: string } }).fn.name ?? ''),
  );
  const names = node.filter((n) => n.type === 'SymbolNode').map((n) => (n as unknown as { name: string }).name);
  return [...new Set(names)].filter(
    (name) => !(name in scope) && !functions.has(name) && !['pi', 'e', 'PI', 'E', 'Infinity'].includes(name),
  );
}

/** Evaluate a mathjs expression to a finite number; undefined and a reason otherwise. */
function evalNumber(expr: string, scope: Record<string, number>): { value?: number; problem?: string } {
  const fast = evalWithKernel(expr, scope, false);
  if (fast !== undefined && Number.isFinite(fast)) return { value: fast };
  let v: unknown;
  try {
    v = math().evaluate(expr, { ...scope });
  } catch (err) {
    return { problem: (err as Error).message };
  }
  if (typeof v === 'number' && Number.isFinite(v)) return { value: v };
  return { problem: `"${expr}" gives ${typeof v === 'number' ? String(v) : 'a non-number'}` };
}

function evalCondition(expr: string, scope: Record<string, number>): boolean {
  const fast = evalWithKernel(expr, scope, true);
  if (fast !== undefined) return fast !== 0;
  try {
    return math().evaluate(expr, { ...scope }) === true;
  } catch {
    return false;
  }
}

function defaultsOf(entry: IntegrandFile): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, spec] of Object.entries(entry.params)) out[k] = spec.default;
  return out;
}

/** Read and validate one file; every problem is a UsageError that names the file. */
function loadIntegrandFile(file: string): IntegrandEntry {
  const fail = (message: string): never => {
    throw new UsageError(
      `integrand file ${file}: ${message}`,
      'fix or remove the file; see the other files in the integrands folder for the format',
    );
  };
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    return fail(`cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return fail(`is not valid JSON (${(err as Error).message})`);
  }
  const parsed = integrandFileSchema.safeParse(json);
  if (!parsed.success) return fail(describeIssues(parsed.error));
  const entry = parsed.data;
  const base = path.basename(file, '.json');
  if (entry.name !== base) fail(`name "${entry.name}" differs from the file name "${base}.json"`);
  for (const name of Object.keys(entry.params)) {
    if (name === 'dim') fail('"dim" cannot be a parameter: the loader sets it to the number of dimensions');
    const problem = paramNameProblem(name);
    if (problem) fail(`parameter "${name}": ${problem}`);
  }
  if (entry.bounds && entry.bounds.length !== 1 && (!Array.isArray(entry.dims) || entry.dims.some((d) => d !== entry.bounds?.length))) {
    fail(`bounds: ${entry.bounds.length} intervals, but the integrand allows other dimensions (give one interval for all)`);
  }
  if (!dimAllowed(entry.dims, entry.defaultDim)) {
    fail(`defaultDim ${entry.defaultDim} is not among the allowed dims (${formatDims(entry.dims)})`);
  }
  for (const [what, expr] of [
    ['expression', entry.expression],
    ['exact', typeof entry.exact === 'string' ? entry.exact : undefined],
    ['exactRequires', entry.exactRequires],
  ] as const) {
    if (expr === undefined) continue;
    try {
      mathParse(expr);
    } catch (err) {
      fail(`${what}: syntax error in "${expr}" (${(err as Error).message})`);
    }
  }
  if (typeof entry.exact === 'string') {
    // checked with the float64 kernel where it covers the expression; expressions that need
    // mathjs (e.g. gamma) are checked when the integrand is used, so that loading the library
    // never loads the mathjs number build
    const scope = { ...defaultsOf(entry), dim: entry.defaultDim };
    const fast = evalWithKernel(entry.exact, scope, false);
    if (fast !== undefined && !Number.isFinite(fast)) {
      fail(`exact: cannot be evaluated at the default parameters and dim ${entry.defaultDim}: "${entry.exact}" gives ${fast}`);
    }
    if (fast === undefined) {
      const unknown = unknownSymbols(entry.exact, scope);
      if (unknown.length > 0)
        fail(`exact: cannot be evaluated at the default parameters and dim ${entry.defaultDim}: undefined symbol ${unknown.join(', ')}`);
    }
  }
  return { ...entry, file };
}

/** Every *.json file of a folder, validated, sorted by name. */
export function loadIntegrandDir(dir: string): IntegrandEntry[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch (err) {
    throw new UsageError(
      `the integrand library ${dir} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      'the integrands folder ships with the package next to dist/; reinstall iflow',
    );
  }
  const entries = names.sort().map((f) => loadIntegrandFile(path.join(dir, f)));
  return entries.sort((a, b) => a.name.localeCompare(b.name));
}

/** True when b is one edit (insertion, deletion, substitution, adjacent swap) from a, ignoring case. */
function nearName(a: string, b: string): boolean {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  if (Math.abs(x.length - y.length) > 1) return false;
  let i = 0;
  while (i < x.length && i < y.length && x[i] === y[i]) i++;
  const rest = (p: string, q: string) => p === q;
  return (
    rest(x.slice(i + 1), y.slice(i + 1)) ||
    rest(x.slice(i), y.slice(i + 1)) ||
    rest(x.slice(i + 1), y.slice(i)) ||
    (x[i] === y[i + 1] && x[i + 1] === y[i] && rest(x.slice(i + 2), y.slice(i + 2)))
  );
}

/** A set of library integrands looked up by `@name`; `resolve` fixes dimension and parameters. */
export class IntegrandLibrary {
  private readonly byName: Map<string, IntegrandEntry>;

  constructor(readonly entries: IntegrandEntry[]) {
    this.byName = new Map(entries.map((e) => [e.name, e]));
  }

  /** A copy of the entries. */
  list(): IntegrandEntry[] {
    return this.entries.slice();
  }

  /**
   * The entry named by `ref` ("@name" or "name").
   * @throws UsageError for an unknown name (suggesting a near one and listing the known ones).
   */
  get(ref: string): IntegrandEntry {
    const m = REF.exec(ref.trim());
    const entry = m ? this.byName.get(m[1]) : undefined;
    if (!entry) {
      const known = this.entries.map((e) => `@${e.name}`).join(', ');
      const name = m?.[1] ?? ref.trim().replace(/^@/, '');
      const close =
        this.entries.find((e) => e.name.toLowerCase() === name.toLowerCase()) ?? this.entries.find((e) => nearName(e.name, name));
      throw new UsageError(
        `unknown integrand "${ref.trim()}"`,
        `${close ? `did you mean @${close.name}? ` : ''}known integrands: ${known || '(none)'}; run "iflow list" for details`,
      );
    }
    return entry;
  }

  /**
   * The integrand `ref` at dimension `dim` (default: its defaultDim) with parameter overrides.
   * The exact value is reported when the file gives an expression (and its condition holds) or
   * a number and every parameter has its default value.
   * @throws UsageError for an unknown name, a dimension it does not allow, or an unknown
   *   parameter (or "dim" given as a parameter).
   */
  resolve(ref: string, dim?: number, params: Record<string, number> = {}): ResolvedIntegrand {
    const entry = this.get(ref);
    const d = dim ?? entry.defaultDim;
    if (!dimAllowed(entry.dims, d)) {
      throw new OptionError(
        `@${entry.name} is not defined for {dim} ${d}`,
        `allowed dimensions: ${formatDims(entry.dims)} (default ${entry.defaultDim})`,
      );
    }
    const defaults = defaultsOf(entry);
    const known = Object.keys(defaults);
    for (const [name, value] of Object.entries(params)) {
      if (name === 'dim') {
        throw new OptionError(`@${entry.name}: "dim" is set by {dim}, not by {param}`, `use {dim} ${value}`);
      }
      if (!(name in defaults)) {
        throw new UsageError(
          `@${entry.name} has no parameter "${name}"`,
          known.length > 0 ? `its parameters: ${known.join(', ')}` : `@${entry.name} has no parameters`,
        );
      }
    }
    const values = { ...defaults, ...params, dim: d };
    const out: ResolvedIntegrand = {
      name: entry.name,
      description: entry.description,
      expression: entry.expression,
      dim: d,
      defaults: values,
      source: entry.source,
    };
    if (entry.bounds) {
      const b = decodeBounds(entry.bounds);
      out.bounds = b.length === 1 ? Array.from({ length: d }, () => [b[0][0], b[0][1]]) : b;
    }
    if (entry.exact === undefined) {
      out.exactMissing = 'no exact value is known';
    } else if (entry.exactRequires !== undefined && !evalCondition(entry.exactRequires, values)) {
      out.exactMissing = `the exact value needs ${entry.exactRequires}`;
    } else if (typeof entry.exact === 'number') {
      if (Object.entries(params).every(([k, v]) => v === defaults[k])) {
        out.exact = entry.exact;
        out.exactUncertainty = entry.exactUncertainty;
      } else {
        out.exactMissing = 'the exact value is known for the default parameters only';
      }
    } else {
      const r = evalNumber(entry.exact, values);
      if (r.value !== undefined) {
        out.exact = r.value;
        out.exactUncertainty = entry.exactUncertainty;
      } else {
        out.exactMissing = `the exact value cannot be evaluated: ${r.problem}`;
      }
    }
    return out;
  }
}

let cached: IntegrandLibrary | undefined;

/** The package's library, read once. */
function defaultLibrary(): IntegrandLibrary {
  if (!cached) cached = new IntegrandLibrary(loadIntegrandDir(integrandsDir()));
  return cached;
}

/** Libraries of one entry each, by name (see `libraryFor`). */
const single = new Map<string, IntegrandLibrary>();

/**
 * The library to resolve `ref` in: while the whole library has not been read, only the file
 * that `ref` names, when it exists (validating the ten files of the library costs a run 20-50
 * ms, and a broken file of another integrand should not stop this one); else the whole
 * library, whose errors name an unknown integrand and suggest a near one.
 */
function libraryFor(ref: string): IntegrandLibrary {
  if (cached) return cached;
  const name = REF.exec(ref.trim())?.[1];
  if (name === undefined) return defaultLibrary();
  const known = single.get(name);
  if (known) return known;
  const dir = integrandsDir();
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return defaultLibrary(); // which reports the unreadable folder
  }
  // the exact file name (a case-insensitive file system would also open Gauss.json for gauss.json)
  if (!names.includes(`${name}.json`)) return defaultLibrary();
  const lib = new IntegrandLibrary([loadIntegrandFile(path.join(dir, `${name}.json`))]);
  single.set(name, lib);
  return lib;
}

/**
 * Every integrand of the package's library, sorted by name.
 * @throws UsageError when the library folder cannot be read or a file in it is invalid.
 */
export function listIntegrands(): IntegrandEntry[] {
  return defaultLibrary().list();
}

/**
 * `IntegrandLibrary.resolve` on the package's library: the integrand `ref` ("@name" or "name") at
 * dimension `dim` (default: its defaultDim) with parameter overrides.
 * @throws UsageError for an unknown name, a dimension it does not allow, or an unknown parameter
 *   (or "dim" given as a parameter).
 */
export function resolveIntegrand(ref: string, dim?: number, params?: Record<string, number>): ResolvedIntegrand {
  return libraryFor(ref).resolve(ref, dim, params);
}

/** The fields of command options that name the integrand and its dimension and parameters. */
export interface ProblemOptionsLike {
  expression: string;
  dim?: number;
  param: string[];
  bounds?: [number, number][];
}

/** Command options after `expandIntegrandRef`, with the resolved library integrand when there was one. */
export interface ExpandedOptions<T extends ProblemOptionsLike> {
  /** The options with the library expression and dimension in place of `@name`, and no --param. */
  options: T;
  /** Parameter values for prepareProblem (library defaults, --param overrides, dim). */
  defaults?: Record<string, number>;
  integrand?: ResolvedIntegrand;
}

/**
 * Replace a library reference (`@camel`) in command options by the integrand's expression,
 * its dimension (--dim or the default) and its parameters (--param values override the
 * defaults). Options with a plain expression come back unchanged. Without --bounds the
 * integrand's own domain is used (the unit cube unless its file declares bounds); the exact
 * value holds for that domain only, so it is dropped when --bounds gives another one.
 */
export function expandIntegrandRef<T extends ProblemOptionsLike>(options: T): ExpandedOptions<T> {
  const text = options.expression.trim();
  if (text.startsWith('@') && !isIntegrandRef(text)) {
    throw new UsageError(
      `"${text}": a library integrand (@name) stands alone and cannot be combined with other terms`,
      'write the integrand out instead; iflow list shows the expression of each one',
    );
  }
  if (!isIntegrandRef(options.expression)) return { options };
  const overrides: Record<string, number> = {};
  for (const text of options.param) {
    const [name, value] = parseParam(text);
    overrides[name] = value;
  }
  const integrand = resolveIntegrand(options.expression, options.dim, overrides);
  const own = integrand.bounds ?? Array.from({ length: integrand.dim }, (): [number, number] => [0, 1]);
  const given = options.bounds !== undefined && options.bounds.length > 0 ? options.bounds : undefined;
  const same = (b: [number, number][]) =>
    b.length === 1
      ? own.every(([lo, hi]) => lo === b[0][0] && hi === b[0][1])
      : b.length === own.length && b.every(([lo, hi], k) => lo === own[k][0] && hi === own[k][1]);
  if (given !== undefined && !same(given) && integrand.exact !== undefined) {
    delete integrand.exact;
    delete integrand.exactUncertainty;
    integrand.exactMissing = `the exact value is for the integrand's domain, and --bounds changes it`;
  }
  return {
    options: { ...options, expression: integrand.expression, dim: integrand.dim, param: [], bounds: given ?? integrand.bounds },
    defaults: integrand.defaults,
    integrand,
  };
}
