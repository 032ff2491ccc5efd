/**
 * Parsing of integrand text with mathjs, translation of its syntax errors, and
 * `--param name=value` handling.
 *
 * Character positions in messages are 0-based offsets into the expression text
 * (mathjs reports 1-based positions; they are converted).
 */

import type * as MathJs from 'mathjs';
import type { MathNode } from 'mathjs';
import { OptionError, UsageError } from '../errors';
import { parseNumber } from '../numbers';
import { CONSTANTS, COORDINATE_LIKE, FUNCTIONS, KEYWORDS } from './functions';

/**
 * A mathjs instance with the parser only: loading the full mathjs bundle takes seconds, the
 * parser alone a fraction of that. Evaluation never goes through mathjs.
 */
let parser: ((text: string) => MathNode) | undefined;
/**
 * Parse mathjs syntax into a node tree (no validation of our own). The parser is loaded on
 * first use (commands that fail on their options never load mathjs).
 * @throws mathjs's SyntaxError on text it cannot parse.
 */
export function mathParse(text: string): MathNode {
  if (!parser) parser = loadParser();
  return parser(text);
}

/**
 * mathjs's parser from the bundle the build makes (dist/vendor/mathjs-parser.js, see
 * scripts/bundle.js: the same code, loaded in a fraction of the time), else from the
 * package (running from sources).
 */
function loadParser(): (text: string) => MathNode {
  /* eslint-disable @typescript-eslint/no-require-imports */
  try {
    return (require('../vendor/mathjs-parser.js') as { parse: (text: string) => MathNode }).parse;
  } catch (e) {
    if ((e as { code?: string }).code !== 'MODULE_NOT_FOUND') throw e;
  }
  const leanMath = require('mathjs/number') as Pick<typeof MathJs, 'create' | 'parseDependencies'>;
  /* eslint-enable @typescript-eslint/no-require-imports */
  return leanMath.create({ parseDependencies: leanMath.parseDependencies }).parse;
}

/**
 * The user's expression text together with helpers that locate names in it and
 * build one-line error messages of the form
 * `<what is wrong> at char <pos> in "<expression>"`.
 */
export class ExpressionText {
  /** The text as written by the user. */
  readonly original: string;
  /** Same length as `original`: comments and line breaks replaced by spaces. Fed to mathjs. */
  readonly normalized: string;
  /** Same length as `original`: line breaks and tabs replaced by spaces. Shown in messages. */
  readonly display: string;

  constructor(original: string) {
    this.original = original;
    this.normalized = normalize(original);
    this.display = original.replace(/[\r\n\t\u2028\u2029]/g, ' ');
  }

  /** A UsageError whose message names the expression and, when known, the position. */
  error(message: string, pos?: number, hint?: string): UsageError {
    const where = pos === undefined ? '' : ` at char ${pos}`;
    // the hint may name options in braces ({param}); the message quotes the user's text as written
    return new OptionError(`${message}${where} in "${this.display}"`, hint, true);
  }

  /** Offsets of `name` as a whole identifier (not part of a longer name or a number). */
  wordPositions(name: string): number[] {
    const text = this.normalized;
    const found: number[] = [];
    let from = 0;
    for (;;) {
      const i = text.indexOf(name, from);
      if (i < 0) break;
      const before = i > 0 ? text[i - 1] : '';
      const after = text[i + name.length] ?? '';
      if (!isIdentChar(before) && before !== '.' && !isIdentChar(after)) found.push(i);
      from = i + 1;
    }
    return found;
  }

  /** Offsets of `name(` (a call of `name`, blanks allowed before the parenthesis). */
  callPositions(name: string): number[] {
    return this.wordPositions(name).filter((i) => /^\s*\(/.test(this.normalized.slice(i + name.length)));
  }

  /** Offsets of `name` used as a symbol, i.e. not directly called. */
  symbolPositions(name: string): number[] {
    return this.wordPositions(name).filter((i) => !/^\s*\(/.test(this.normalized.slice(i + name.length)));
  }

  /**
   * Offsets of an operator. For `*`, `/` and `^` the element-wise forms `.*`, `./`,
   * `.^` are not counted; for `.*` etc. only the dotted form is.
   */
  operatorPositions(op: string): number[] {
    const text = this.normalized;
    const found: number[] = [];
    let from = 0;
    for (;;) {
      const i = text.indexOf(op, from);
      if (i < 0) break;
      const dottedForm = op.length === 1 && '*/^'.includes(op) && i > 0 && text[i - 1] === '.';
      if (!dottedForm) found.push(i);
      from = i + op.length;
    }
    return found;
  }
}

/** The single element of `positions`, or undefined when there is none or several. */
export function uniquePosition(positions: number[]): number | undefined {
  return positions.length === 1 ? positions[0] : undefined;
}

function isIdentChar(c: string): boolean {
  return c !== '' && (/[A-Za-z0-9_$]/.test(c) || c.charCodeAt(0) > 127);
}

/** Replace `#` comments and line breaks by spaces, keeping every character position. */
function normalize(text: string): string {
  let out = '';
  let inComment = false;
  for (const c of text) {
    if (c === '\n' || c === '\r' || c === '\u2028' || c === '\u2029') {
      inComment = false;
      out += ' ';
    } else if (inComment) {
      out += c.length === 2 ? '  ' : ' ';
    } else if (c === '#') {
      inComment = true;
      out += ' ';
    } else if (c === '\t') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

interface MathjsSyntaxError extends Error {
  char?: number;
}

/**
 * Non-ASCII characters that typeset mathematics (or word processors) put into formulas, with
 * their name and the ASCII text that the expression language uses instead.
 */
const UNICODE_REPLACEMENTS: Readonly<Record<string, [string, string]>> = {
  '\u2212': ['minus sign', '-'],
  '\u2013': ['en dash', '-'],
  '\u2014': ['em dash', '-'],
  '\u2010': ['hyphen', '-'],
  '\u2011': ['non-breaking hyphen', '-'],
  '\u00d7': ['multiplication sign', '*'],
  '\u22c5': ['dot operator', '*'],
  '\u00b7': ['middle dot', '*'],
  '\u2219': ['bullet operator', '*'],
  '\u2217': ['asterisk operator', '*'],
  '\u00f7': ['division sign', '/'],
  '\u2215': ['division slash', '/'],
  '\u221a': ['square root sign', 'sqrt(...)'],
  '\u00b2': ['superscript two', '^2'],
  '\u00b3': ['superscript three', '^3'],
  '\u00b9': ['superscript one', '^1'],
  '\u2070': ['superscript zero', '^0'],
  '\u2074': ['superscript four', '^4'],
  '\u207b': ['superscript minus', '^-'],
  '\u03c0': ['pi', 'pi'],
  '\u2264': ['less-than or equal to', '<='],
  '\u2265': ['greater-than or equal to', '>='],
  '\u2260': ['not equal to', '!='],
  '\u2227': ['logical and', 'and'],
  '\u2228': ['logical or', 'or'],
  '\u00ac': ['not sign', 'not'],
  '\u00a0': ['no-break space', 'a plain space'],
  '\u2009': ['thin space', 'a plain space'],
  '\u2018': ['left single quotation mark', 'nothing (quote the whole expression for the shell only)'],
  '\u2019': ['right single quotation mark', 'nothing (quote the whole expression for the shell only)'],
  '\u201c': ['left double quotation mark', 'nothing (quote the whole expression for the shell only)'],
  '\u201d': ['right double quotation mark', 'nothing (quote the whole expression for the shell only)'],
};

/**
 * A UsageError naming the first non-ASCII character outside comments and its ASCII
 * replacement, or undefined when there is none. The expression language is ASCII only.
 */
function nonAsciiProblem(text: ExpressionText): UsageError | undefined {
  const t = text.normalized;
  for (let i = 0; i < t.length; i++) {
    if (t.charCodeAt(i) < 128) continue;
    const c = String.fromCodePoint(t.codePointAt(i) as number);
    const code = `U+${(c.codePointAt(0) as number).toString(16).toUpperCase().padStart(4, '0')}`;
    const known = UNICODE_REPLACEMENTS[c];
    if (known) {
      const [name, ascii] = known;
      return text.error(
        `non-ASCII character "${c}" (${code}, ${name})`,
        i,
        `write ${ascii.startsWith('a ') || ascii.startsWith('nothing') ? ascii : `"${ascii}"`} instead; expressions are ASCII`,
      );
    }
    const hint = /\p{L}/u.test(c)
      ? 'names are ASCII: spell a Greek letter out (alpha, beta, ...) and give it with {param}, e.g. {param} alpha=0.2'
      : 'expressions are ASCII: use + - * / ^, sqrt(), pi, <=, >= and the names listed in iflow integrate --help';
    return text.error(`non-ASCII character "${c}" (${code})`, i, hint);
  }
  return undefined;
}

/** Parse the expression with mathjs. Throws UsageError on blank text or bad syntax. */
export function parseExpression(text: ExpressionText): MathNode {
  if (text.normalized.trim() === '') {
    throw new UsageError(
      text.original.trim() === '' ? 'empty expression' : `expression "${text.display}" contains only a comment`,
      'write the integrand in mathjs syntax, e.g. "exp(-sum((x - 0.5).^2) / 0.04)"',
    );
  }
  const unicode = nonAsciiProblem(text);
  if (unicode) throw unicode;
  try {
    return mathParse(text.normalized);
  } catch (err) {
    throw translateSyntaxError(text, err);
  }
}

function translateSyntaxError(text: ExpressionText, err: unknown): UsageError {
  const e = err as MathjsSyntaxError;
  const raw = typeof e?.message === 'string' ? e.message : String(err);
  let detail = raw.replace(/\s*\(char \d+\)\s*$/, '').trim();
  if (detail.length > 0) detail = detail[0].toLowerCase() + detail.slice(1);
  const len = text.normalized.length;
  const pos = typeof e?.char === 'number' ? Math.min(Math.max(e.char - 1, 0), len) : undefined;
  return text.error(`syntax error: ${detail}`, pos, syntaxHint(text.normalized, detail, pos));
}

function syntaxHint(text: string, detail: string, pos: number | undefined): string | undefined {
  const near = pos === undefined ? '' : text.slice(Math.max(0, pos - 1), pos + 1);
  if (near.includes('*') && /\*\*/.test(text)) return 'use ^ for powers, e.g. x1^2 (** is not mathjs syntax)';
  if (near.includes('&') || near.includes('|')) return 'use the words and, or, not for logic (&& and || are not mathjs syntax)';
  if (near.includes('!')) return 'use "not" for negation, e.g. not (x1 > 0.5)';
  if (detail.startsWith('parenthesis )')) return 'a closing ")" is missing';
  if (detail.startsWith('parenthesis ]')) return 'a closing "]" is missing';
  if (detail.startsWith('unexpected end of expression')) return 'the expression is incomplete: an operand or ")" is missing at the end';
  if (detail.startsWith('unexpected operator )')) return 'there is a ")" without a matching "("';
  return undefined;
}

const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A decimal number, with underscores allowed between digits (as parseNumber reads them). */
const DECIMAL = /^[+-]?((\d(_?\d)*)\.?(\d(_?\d)*)?|\.\d(_?\d)*)([eE][+-]?\d+)?$/;

/**
 * Why `name` cannot be a parameter name, or undefined when it can.
 * Names must be identifiers and must not shadow x, x<digits>, pi, e, a function or a keyword.
 */
export function paramNameProblem(name: string): string | undefined {
  if (!PARAM_NAME.test(name)) {
    return 'a parameter name must start with a letter or "_" and contain only letters, digits and "_"';
  }
  if (name === 'x') return 'x is the point vector';
  if (COORDINATE_LIKE.test(name)) return `${name} is reserved for point coordinates`;
  if (Object.prototype.hasOwnProperty.call(CONSTANTS, name)) return `${name} is a built-in constant`;
  if (Object.prototype.hasOwnProperty.call(FUNCTIONS, name)) return `${name} is a built-in function`;
  if (KEYWORDS.has(name)) return `${name} is a reserved word`;
  return undefined;
}

/**
 * The parameters of a compilation as a map, after checking each name (paramNameProblem)
 * and value (a finite number). Throws UsageError on the first bad one.
 */
export function checkParams(params: Record<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [name, value] of Object.entries(params)) {
    const problem = paramNameProblem(name);
    if (problem !== undefined) throw new UsageError(`bad parameter name "${name}": ${problem}`);
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new UsageError(`bad parameter value for "${name}": ${String(value)} is not a finite number`);
    }
    out.set(name, value);
  }
  return out;
}

/**
 * Parse `name=value` (blanks around either side allowed), as given to `--param`.
 * The value must be a finite decimal number.
 */
export function parseParam(text: string): [string, number] {
  const eq = text.indexOf('=');
  if (eq < 0) {
    throw new OptionError(`bad parameter "${text}": expected name=value`, 'e.g. {param} alpha=0.2');
  }
  const name = text.slice(0, eq).trim();
  const valueText = text.slice(eq + 1).trim();
  if (name === '') {
    throw new OptionError(`bad parameter "${text}": the name before "=" is missing`, 'e.g. {param} alpha=0.2');
  }
  const problem = paramNameProblem(name);
  if (problem !== undefined) {
    throw new UsageError(`bad parameter name "${name}" in "${text}": ${problem}`, 'choose another name, e.g. alpha or w_1');
  }
  if (valueText === '') {
    throw new OptionError(`bad parameter "${text}": the value after "=" is missing`, `e.g. {param} ${name}=0.2`);
  }
  if (!DECIMAL.test(valueText)) {
    throw new OptionError(`bad parameter value "${valueText}" in "${text}": expected a number`, `e.g. {param} ${name}=0.2 or ${name}=1e-3`);
  }
  const value = parseNumber(valueText);
  if (!Number.isFinite(value)) {
    throw new UsageError(`bad parameter value "${valueText}" in "${text}": the value is not finite`);
  }
  return [name, value];
}
