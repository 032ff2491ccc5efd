/** Reading of the JSON files users hand to iflow (models, partial results, bench reports). */
import fs from 'fs';
import * as z from 'zod';
import { OptionError } from './errors';

/**
 * `schema`, also reading documents that name a field by an earlier key: for each pair of
 * `renamed` (earlier key -> key), an object with the earlier key and without the key is read as
 * if it had the key. Documents iflow writes always use the keys of `schema`.
 */
export function withRenamedKeys<T extends z.ZodType>(schema: T, renamed: Record<string, string>) {
  return z.preprocess((value) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
    let out = value as Record<string, unknown>;
    for (const [from, to] of Object.entries(renamed)) {
      if (from in out && !(to in out)) {
        const { [from]: moved, ...rest } = out;
        out = { ...rest, [to]: moved };
      }
    }
    return out;
  }, schema);
}

/**
 * Parse the JSON file `file`. A missing, unreadable or malformed file is a UsageError that
 * names it (as `what`, default the path) and carries `hint`.
 */
export function readJsonFile(file: string, what: string = file, hint?: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new OptionError(`cannot read ${what} (${code === 'ENOENT' ? 'no such file' : (code ?? 'read error')})`, hint, true);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new OptionError(`${what} is not valid JSON: ${(e as Error).message}`, hint, true);
  }
}
