/** Running the CLI from tests: synchronously, or asynchronously to run several at once. */
import { spawn, spawnSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { BIN, type CliRun } from './helpers';

/** The CLI under test: bin/iflow (built dist/), or IFLOW_BIN to test another build. */
export const IFLOW_BIN = process.env.IFLOW_BIN ?? BIN;

export function run(args: string[], input?: string, timeoutMs = 120000): CliRun {
  const r = spawnSync(process.execPath, [IFLOW_BIN, ...args], { encoding: 'utf8', input, timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function runAsync(args: string[], input?: string): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [IFLOW_BIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `iflow-${prefix}-`));
}
