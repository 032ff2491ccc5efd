/**
 * The published package (package.json "files", as `npm pack` reads it) holds every file the
 * installed command line reads at run time: bin/ and its loader, the bundle with its code cache,
 * the unbundled modules it falls back to, the worker script, the integrand library and the bench
 * reference data that `iflow bench --ttp` reads from the package root; and the licence, without
 * source maps whose sources it does not ship. (`npm pack` itself first empties dist/, prepack,
 * so that no leftover of an earlier build is packed; the test lists the files without scripts.)
 */
import { spawnSync } from 'child_process';
import fs from 'fs';
import path from 'path';

const ROOT = path.resolve(__dirname, '..');

/** Paths (relative to the package root) that `npm pack` would put into the tarball. */
function packedFiles(): Set<string> {
  const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' });
  expect(r.status).toBe(0);
  const [report] = JSON.parse(r.stdout) as Array<{ files: Array<{ path: string }> }>;
  return new Set(report.files.map((f) => f.path));
}

describe('the published package', () => {
  test('holds every file the installed command line reads', () => {
    const files = packedFiles();
    const needed = [
      'bin/iflow',
      'bin/bundle-loader.js',
      'dist/cli/iflow.js',
      'dist/cli/iflow.cache',
      'dist/cli/main.js',
      'dist/vendor/mathjs-parser.js',
      'dist/workers/worker.js',
      'bench/ttp-vegas.jsonl',
      'bench/iflow-paper-calls.json',
      ...fs.readdirSync(path.join(ROOT, 'integrands')).map((f) => `integrands/${f}`),
    ];
    expect(needed.filter((f) => !files.has(f))).toEqual([]);
  });

  test('holds the licence and no source maps (their sources are not shipped)', () => {
    const files = packedFiles();
    expect(files.has('LICENSE')).toBe(true);
    expect([...files].filter((f) => f.endsWith('.map'))).toEqual([]);
  });
});
