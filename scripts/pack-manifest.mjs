#!/usr/bin/env node
// The published package.json carries only what an installed tessera runs: of the scripts, just
// `install` (node-gyp-build). Dev scripts (prepare, test, bench, …) stay in the repository.
//   node scripts/pack-manifest.mjs strip     prepack: package.json → package.json.dev, write the slim one
//   node scripts/pack-manifest.mjs restore   postpack: put package.json.dev back
// A pack that fails between the two leaves package.json.dev; `restore` (or the next `strip`) puts it back.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const manifest = join(root, 'package.json');
const saved = join(root, 'package.json.dev');
export const PUBLISHED_SCRIPTS = ['install'];

export function slim(pkg) {
  const scripts = Object.fromEntries(Object.entries(pkg.scripts ?? {}).filter(([k]) => PUBLISHED_SCRIPTS.includes(k)));
  return { ...pkg, scripts };
}

export function restore() {
  if (existsSync(saved)) renameSync(saved, manifest);
}

export function strip() {
  restore();
  const text = readFileSync(manifest, 'utf8');
  writeFileSync(saved, text);
  writeFileSync(manifest, JSON.stringify(slim(JSON.parse(text)), null, 2) + '\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const cmd = process.argv[2];
  if (cmd === 'strip') strip();
  else if (cmd === 'restore') restore();
  else {
    console.error('usage: node scripts/pack-manifest.mjs strip|restore');
    process.exit(2);
  }
}
