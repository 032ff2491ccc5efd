import { spawnSync } from 'child_process';
import path from 'path';

export const BIN = path.resolve(__dirname, '../../bin/iflow');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run the built CLI (npm test builds dist/ first) with the given arguments. */
export function iflow(args: string[], input?: string, timeoutMs = 120000): CliRun {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', input, timeout: timeoutMs });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
