/** Running the CLI from tests, synchronously or asynchronously, and a fake command context. */
import { spawn, spawnSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import type { CommandContext } from '../../src/cli/shared';

/** The CLI under test: bin/iflow (npm test builds dist/ first), or IFLOW_BIN to test another build. */
export const BIN = process.env.IFLOW_BIN ?? path.resolve(__dirname, '../../bin/iflow');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run the CLI with the given arguments and wait for it. */
export function run(args: string[], input?: string, timeoutMs = 120000): CliRun {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', input, timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Run the CLI without blocking (to run several at once). */
export function runAsync(args: string[], input?: string): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
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

/** A command context that records the output and the exit code instead of printing. */
export function fakeContext() {
  const out: string[] = [];
  let code = -1;
  const ctx: CommandContext = {
    write: (t) => out.push(t),
    interrupts: () => 0,
    setExitCode: (c) => {
      code = c;
    },
  };
  return { ctx, out, code: () => code };
}
