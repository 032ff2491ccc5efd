'use strict';
/**
 * Starts the command line from dist/cli/iflow.js, the one-file bundle that scripts/bundle.js
 * makes, compiled with the help of V8's code cache dist/cli/iflow.cache when that file is there
 * and belongs to this bundle: the cache holds the code a short run compiled, made at build time,
 * and saves 40-50 ms of compiling at every start (bundle load 100-130 ms -> 70-85 ms on a 2-core
 * VM). The cache file is the SHA-256 digest of the bundle it was made from (32 bytes) followed
 * by V8's data. A cache of another bundle is ignored: V8 itself checks only the source's length
 * (and its own version and flags), so an edited bundle of the same length would otherwise run
 * the old bundle's compiled functions. A cache V8 rejects (another node) is ignored too; the
 * source is then compiled as usual. Without the bundle, the unbundled dist/cli/main.js runs.
 */
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const vm = require('vm');
const Module = require('module');

const DIST = path.join(__dirname, '..', 'dist', 'cli');
const BUNDLE = path.join(DIST, 'iflow.js');
const CACHE = path.join(DIST, 'iflow.cache');
/** Bytes of the bundle's digest at the start of the cache file. */
const DIGEST_BYTES = 32;

/**
 * V8's code cache for the bundle of SHA-256 `digest` (a 32-byte Buffer): the data after the
 * digest when the cache file is there and begins with that digest, undefined otherwise.
 */
function readCache(digest) {
  let file;
  try {
    file = fs.readFileSync(CACHE);
  } catch {
    return undefined;
  }
  if (file.length <= DIGEST_BYTES || !file.subarray(0, DIGEST_BYTES).equals(digest)) return undefined;
  return file.subarray(DIGEST_BYTES);
}

/**
 * Run `iflow` with `argv` (as process.argv: node, script, arguments...). With
 * `options.writeCache`, the code cache is written when the process exits (the build's step).
 */
function start(argv, options = {}) {
  if (!fs.existsSync(BUNDLE)) {
    require(path.join(DIST, 'main.js')).main(argv);
    return;
  }
  const source = fs.readFileSync(BUNDLE);
  const digest = crypto.createHash('sha256').update(source).digest();
  const cachedData = options.writeCache ? undefined : readCache(digest);
  const script = new vm.Script(Module.wrap(source.toString('utf8')), { filename: BUNDLE, cachedData });
  const mod = new Module(BUNDLE, module);
  mod.filename = BUNDLE;
  mod.paths = Module._nodeModulePaths(DIST);
  mod.loaded = true;
  script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(BUNDLE), mod, BUNDLE, DIST);
  if (options.writeCache) process.on('exit', () => fs.writeFileSync(CACHE, Buffer.concat([digest, script.createCachedData()])));
  mod.exports.main(argv);
}

module.exports = { start };
