#!/usr/bin/env node
// prepack guard: refuse to pack/publish without a fresh prebuild, so a tarball never silently
// falls back to compiling on every user's machine. Build it with `npm run build:prebuild`.
// TESSERA_PACK_WITHOUT_PREBUILD=1 packs anyway (source-only tarball), with a warning.
import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { PREBUILD, prebuildIsFresh, root } from './pack-check.mjs';

if (!prebuildIsFresh()) {
  const why = existsSync(PREBUILD) ? 'is older than the native sources' : 'is missing';
  const msg = `tessera prepack: ${relative(root, PREBUILD)} ${why}; run \`npm run build:prebuild\` first.`;
  if (process.env.TESSERA_PACK_WITHOUT_PREBUILD === '1') {
    console.warn(`${msg}\n  TESSERA_PACK_WITHOUT_PREBUILD=1: packing a source-only tarball (installs will need a compiler).`);
  } else {
    console.error(msg);
    process.exit(1);
  }
}
