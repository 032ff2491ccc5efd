#!/usr/bin/env node
/**
 * Build-time bundles, made with esbuild (a well-kept bundler, in place of our own tree shaking
 * and module loading):
 *
 * 1. dist/vendor/mathjs-parser.js: the mathjs expression parser (parse and the node classes it
 *    needs, nothing else). Loading mathjs's own package means resolving and running about 460
 *    modules (0.3-0.4 s); the tree-shaken bundle loads in a small fraction of that, and every
 *    run pays it before its first integrand call. src/integrand/parse.ts falls back to the
 *    package when the bundle is absent (running from sources, as the unit tests do).
 * 2. dist/cli/iflow.js: the whole command line (our modules, commander, zod, cli-progress and
 *    the parser bundle of 1.) in one minified file, which bin/iflow loads when it is present.
 *    Node then reads and compiles one file instead of about 200, and zod, imported as a
 *    namespace, is tree-shaken to the schemas we use (its full package, with every locale, takes
 *    50-90 ms to load). TensorFlow.js, vega, vega-lite and mathjs stay outside: they are loaded
 *    only by the runs that need them. The bundle sits in dist/cli/ so that paths computed from
 *    __dirname (the integrand library, the worker script) resolve as they do from the unbundled
 *    modules. (iflow --version: 0.32 s -> 0.22 s, of which bare node takes 0.11 s.)
 * 3. dist/cli/iflow.cache: V8's code cache of the bundle after a short run
 *    (bin/bundle-loader.js), made by the node that builds, so that a start compiles less; it
 *    begins with the SHA-256 digest of the bundle it belongs to.
 */
'use strict';
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');
const esbuild = require('esbuild');

const root = path.join(__dirname, '..');

async function main() {
  await esbuild.build({
    stdin: {
      contents: "import { create, parseDependencies } from 'mathjs/number';\nexport const parse = create({ parseDependencies }).parse;\n",
      resolveDir: root,
      sourcefile: 'mathjs-parser-entry.js',
    },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    minify: true,
    legalComments: 'inline',
    outfile: path.join(root, 'dist', 'vendor', 'mathjs-parser.js'),
    logLevel: 'warning',
  });

  await esbuild.build({
    entryPoints: [path.join(root, 'src', 'cli', 'main.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    minify: true,
    legalComments: 'inline',
    external: ['@tensorflow/*', 'vega', 'vega-lite', 'mathjs', 'mathjs/*'],
    plugins: [
      {
        // src/integrand/parse.ts requires the parser bundle of 1. lazily, from dist's layout
        name: 'parser-bundle',
        setup(build) {
          build.onResolve({ filter: /vendor\/mathjs-parser\.js$/ }, () => ({
            path: path.join(root, 'dist', 'vendor', 'mathjs-parser.js'),
          }));
        },
      },
    ],
    outfile: path.join(root, 'dist', 'cli', 'iflow.js'),
    logLevel: 'warning',
  });

  // a short run whose compiled code goes into the cache (its output is not needed)
  const cache = path.join(root, 'dist', 'cli', 'iflow.cache');
  fs.rmSync(cache, { force: true });
  execFileSync(
    process.execPath,
    [
      '-e',
      "require('./bin/bundle-loader.js').start(process.argv.slice(0, 1).concat(['iflow', ...process.argv.slice(1)]), { writeCache: true })",
      'integrate',
      'exp(-(x1 - 0.5)^2 - (x2 - 0.5)^2)',
      '--dim',
      '2',
      '--rel-error',
      '1e-3',
      '--quiet',
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
