#!/usr/bin/env node
// prepack: make sure the tarball ships a fresh prebuild, so it never silently falls back to
// compiling on every user's machine. A missing or stale one is built now (prebuildify, needs the
// compilers a checkout has), so `npm pack` works on a fresh clone in one command.
// TESSERA_PACK_WITHOUT_PREBUILD=1 packs without one (source-only tarball), with a warning.
import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { CROSS_ARM64, PREBUILD, PREBUILD_ARM64, ensurePrebuild, prebuildIsFresh, root } from './pack-check.mjs';

if (!prebuildIsFresh() || (CROSS_ARM64 && !existsSync(PREBUILD_ARM64))) {
  const why = existsSync(PREBUILD) ? 'is older than the native sources' : 'is missing';
  const msg = `tessera prepack: ${relative(root, PREBUILD)} ${why}`;
  if (process.env.TESSERA_PACK_WITHOUT_PREBUILD === '1') {
    console.warn(`${msg}\n  TESSERA_PACK_WITHOUT_PREBUILD=1: packing a source-only tarball (installs will need a compiler).`);
  } else {
    console.warn(`${msg}: building it (npm run build:prebuild${CROSS_ARM64 ? ', and linux-arm64 with aarch64-linux-gnu-g++' : ''})`);
    await ensurePrebuild();
  }
}
