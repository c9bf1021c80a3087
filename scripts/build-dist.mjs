#!/usr/bin/env node
// Builds the two module formats that ship in the package:
//   dist/esm/  tsc output (ES modules + .d.ts), marked {"type":"module"}
//   dist/cjs/  one esbuild bundle, index.cjs, plus the same .d.ts files in a folder marked
//              {"type":"commonjs"} so TypeScript reads them as CommonJS declarations (no
//              "masquerading as ESM" for require() consumers).
// Usage: node scripts/build-dist.mjs
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const dist = join(root, 'dist');

rmSync(dist, { recursive: true, force: true });

// 1. ESM + declarations (tsc, the repo's tsconfig; no source maps: src/ does not ship).
const tsc = join(dirname(require.resolve('typescript/package.json')), 'bin', 'tsc');
try {
  execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.json'), '--sourceMap', 'false', '--outDir', join(dist, 'esm')], {
    stdio: 'inherit',
    cwd: root,
  });
} catch {
  console.error('build-dist: tsc failed (errors above); dist/ is incomplete');
  process.exit(1);
}
writeFileSync(join(dist, 'esm', 'package.json'), JSON.stringify({ type: 'module' }) + '\n');

// 2. CommonJS bundle. Dependencies stay external (node-gyp-build, the optional Graphviz wasm
//    package, which is imported dynamically). src/native.ts finds the package root through
//    __dirname in this bundle and through import.meta.url in the ESM build.
const esbuild = require('esbuild');
const result = esbuild.buildSync({
  entryPoints: [join(root, 'src', 'index.ts')],
  outfile: join(dist, 'cjs', 'index.cjs'),
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
  // import.meta.url is only read when __dirname is undefined (ESM); in this bundle it never is.
  logOverride: { 'empty-import-meta': 'silent' },
  metafile: true,
});
if (result.errors.length) process.exit(1);
writeFileSync(join(dist, 'cjs', 'package.json'), JSON.stringify({ type: 'commonjs' }) + '\n');

// 3. The same declarations for the CommonJS side (their meaning follows the nearest package.json).
function copyDts(from, to) {
  for (const name of readdirSync(from)) {
    const src = join(from, name);
    if (statSync(src).isDirectory()) copyDts(src, join(to, name));
    else if (name.endsWith('.d.ts')) {
      mkdirSync(to, { recursive: true });
      cpSync(src, join(to, name));
    }
  }
}
copyDts(join(dist, 'esm'), join(dist, 'cjs'));

const bytes = Object.values(result.metafile.outputs).reduce((a, o) => a + o.bytes, 0);
console.log(`dist/esm (tsc) and dist/cjs/index.cjs (${(bytes / 1024).toFixed(1)} KiB) written under ${relative(process.cwd(), dist) || '.'}`);
