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
 * 2. dist/cli/iflow.js: the whole command line (our modules, commander, zod, cli-progress) in
 *    one minified file, which bin/iflow loads when it is present. Node then reads and compiles
 *    one file instead of about 200, and zod, imported as a namespace, is tree-shaken to the
 *    schemas we use (its full package, with every locale, takes 50-90 ms to load). TensorFlow.js,
 *    vega, vega-lite and mathjs stay outside: they are loaded only by the runs that need them.
 *    The bundle sits in dist/cli/ so that paths computed from __dirname (the integrand library,
 *    the worker script) resolve as they do from the unbundled modules.
 */
'use strict';
const path = require('path');
const esbuild = require('esbuild');

const root = path.join(__dirname, '..');
esbuild.buildSync({
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

esbuild.buildSync({
  entryPoints: [path.join(root, 'src', 'cli', 'main.ts')],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  minify: true,
  keepNames: false,
  legalComments: 'inline',
  external: ['@tensorflow/*', 'vega', 'vega-lite', 'mathjs', 'mathjs/*', '../vendor/mathjs-parser.js'],
  outfile: path.join(root, 'dist', 'cli', 'iflow.js'),
  logLevel: 'warning',
});
