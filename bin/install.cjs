#!/usr/bin/env node
// tessera's install script (package.json "install"): use the prebuilt binary that fits this
// machine (prebuilds/<platform>-<arch>/, chosen by node-gyp-build: platform, arch, libc), or say
// in one line why not and compile from the shipped sources with node-gyp (node-gyp-build's bin).
'use strict';
const { readdirSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const fromSource = /^(true|1)$/i.test(process.env.npm_config_build_from_source || '');
const libc = process.env.LIBC || (process.report && process.report.getReport().header.glibcVersionRuntime ? 'glibc' : 'musl');
const target = `${process.platform}-${process.arch}${process.platform === 'linux' ? `-${libc}` : ''}`;

if (!fromSource) {
  try {
    require('node-gyp-build').resolve(root);
    process.exit(0); // a prebuild (or an earlier build/Release) loads: nothing to compile
  } catch {
    /* fall through */
  }
}
let shipped = [];
try {
  shipped = readdirSync(join(root, 'prebuilds')).flatMap((d) => readdirSync(join(root, 'prebuilds', d)).map((f) => `${d}-${f.split('.')[1]}`));
} catch {}
process.stderr.write(
  fromSource
    ? 'tessera: --build-from-source: compiling the native addon with node-gyp (python3, make and a C++17 compiler; docs/install.md)\n'
    : `tessera: no prebuilt binary for ${target} (this package ships: ${shipped.join(', ') || 'none'}); ` +
        'compiling the native addon from source with node-gyp (needs python3, make and a C++17 compiler; docs/install.md)\n',
);
// node-gyp compiles one file at a time unless told otherwise: use every core (the addon and its
// vendored zstd are dozens of translation units; serially that takes minutes) unless the user
// chose (JOBS, or npm's --jobs).
if (!process.env.JOBS && !process.env.npm_config_jobs) process.env.JOBS = 'max';
require('node-gyp-build/bin.js');
