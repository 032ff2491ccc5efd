/**
 * The one reading of numbers that users write (flags, batch files, --param, --hist, --scan):
 * every option and expression constant goes through parseNumber, so "1e5", "100_000" and
 * " 0.5 " mean the same everywhere.
 */

/**
 * The one reading of a number: a JSON number as it is, or a numeric string with optional
 * underscores between digits ("1e6", "1_000_000", " 0.5 "). NaN for anything else (an empty
 * string, a word, a non-string); infinite values come back as they are, for the caller to refuse.
 */
export function parseNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '') return Number(v.trim().replace(/_/g, ''));
  return NaN;
}
