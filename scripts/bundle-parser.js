#!/usr/bin/env node
/**
 * Bundles the mathjs expression parser (parse and the node classes it needs, nothing else)
 * into one file, dist/vendor/mathjs-parser.js. Loading mathjs's own package means resolving
 * and running about 460 modules (0.3-0.4 s); the tree-shaken bundle loads in a small fraction
 * of that, and every run pays it before its first integrand call. src/integrand/parse.ts falls
 * back to the package when the bundle is absent (running from sources, as the tests do).
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
