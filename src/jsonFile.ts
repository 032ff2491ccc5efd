/** Reading of the JSON files users hand to iflow (models, partial results, bench reports). */
import fs from 'fs';
import { UsageError } from './errors';

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
    throw new UsageError(`cannot read ${what} (${code === 'ENOENT' ? 'no such file' : code ?? 'read error'})`, hint);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${what} is not valid JSON: ${(e as Error).message}`, hint);
  }
}
