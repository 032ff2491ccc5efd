/**
 * The one-file bundle of the command line and its V8 code cache (scripts/bundle.js,
 * bin/bundle-loader.js): the build makes both, the cache begins with the bundle's SHA-256 digest
 * and V8 accepts the rest; a cache V8 rejects is ignored and the same numbers come out; a cache
 * of another bundle of the same length (which V8 alone would accept) is ignored; without the
 * bundle the unbundled modules run.
 */
import crypto from 'crypto';
import { spawnSync } from 'child_process';
import fs from 'fs';
import path from 'path';
import vm from 'vm';
import Module from 'module';
import { tempDir } from './helpers';

const ROOT = path.resolve(__dirname, '../..');
const BUNDLE = path.join(ROOT, 'dist', 'cli', 'iflow.js');
const CACHE = path.join(ROOT, 'dist', 'cli', 'iflow.cache');

/** A copy of bin/ and dist/cli/ (with `cache` as the code cache, or none) in a new folder. */
function copyWith(cache: Buffer | null, bundle = true): string {
  const dir = tempDir('bundle');
  fs.cpSync(path.join(ROOT, 'bin'), path.join(dir, 'bin'), { recursive: true });
  fs.cpSync(path.join(ROOT, 'dist'), path.join(dir, 'dist'), { recursive: true });
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
  fs.rmSync(path.join(dir, 'dist', 'cli', 'iflow.cache'), { force: true });
  if (cache) fs.writeFileSync(path.join(dir, 'dist', 'cli', 'iflow.cache'), cache);
  if (!bundle) fs.rmSync(path.join(dir, 'dist', 'cli', 'iflow.js'));
  return dir;
}

const ARGS = ['integrate', 'exp(-x1^2 - x2)', '--dim', '2', '-n', '20000', '--method', 'vegas', '--json', '--no-baseline', '--seed', '3'];

function integral(bin: string): { mean: number; sdev: number } {
  const r = spawnSync(process.execPath, [bin, ...ARGS], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return (JSON.parse(r.stdout) as { estimate: { integral: { mean: number; sdev: number } } }).estimate.integral;
}

describe('the bundle and its code cache', () => {
  test('the build makes both, and V8 accepts the cache for the bundle', () => {
    expect(fs.existsSync(BUNDLE)).toBe(true);
    expect(fs.statSync(CACHE).size).toBeGreaterThan(10_000);
    const cache = fs.readFileSync(CACHE);
    const bundle = fs.readFileSync(BUNDLE);
    expect(cache.subarray(0, 32).equals(crypto.createHash('sha256').update(bundle).digest())).toBe(true);
    const script = new vm.Script(Module.wrap(bundle.toString('utf8')), { filename: BUNDLE, cachedData: cache.subarray(32) });
    expect(script.cachedDataRejected).toBe(false);
  });

  test('a cache of an edited bundle of the same length is ignored: the edited code runs', () => {
    const dir = copyWith(fs.readFileSync(CACHE));
    try {
      const file = path.join(dir, 'dist', 'cli', 'iflow.js');
      const edited = fs.readFileSync(file, 'utf8').split('integral of ').join('INTEGRAL of ');
      expect(Buffer.byteLength(edited)).toBe(fs.statSync(file).size);
      fs.writeFileSync(file, edited);
      const r = spawnSync(
        process.execPath,
        [path.join(dir, 'bin', 'iflow'), 'integrate', 'x1', '--dim', '1', '-n', '1000', '--method', 'uniform'],
        { encoding: 'utf8' },
      );
      expect(r.status).toBe(0);
      expect(r.stdout.split('\n')[0]).toBe('INTEGRAL of x1 over [0,1]^1');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a cache V8 rejects, no cache, and no bundle at all give the same numbers', () => {
    const reference = integral(path.join(ROOT, 'bin', 'iflow'));
    for (const dir of [copyWith(Buffer.from('not a code cache')), copyWith(null), copyWith(null, false)]) {
      try {
        expect(integral(path.join(dir, 'bin', 'iflow'))).toEqual(reference);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
  });
});
