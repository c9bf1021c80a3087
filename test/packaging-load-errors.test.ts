// Packaging: how the addon is found and what users see when it cannot be loaded.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadAddon, packageRoot } from '../src/native.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const tmp = mkdtempSync(join(tmpdir(), 'tessera-load-'));
const platformDir = `${process.platform}-${process.arch}`;
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function dir(name: string, files: Record<string, string> = {}): string {
  const d = join(tmp, name);
  mkdirSync(d, { recursive: true });
  for (const [f, body] of Object.entries(files)) {
    mkdirSync(dirname(join(d, f)), { recursive: true });
    writeFileSync(join(d, f), body);
  }
  return d;
}

function loadError(root: string): string {
  try {
    loadAddon(root);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error(`loadAddon(${root}) did not throw`);
}

describe('package root discovery', () => {
  it('finds the checkout from src/, dist/esm/ and dist/cjs/', () => {
    for (const from of ['src', 'src/array', 'dist/esm', 'dist/cjs']) expect(packageRoot(join(repo, from))).toBe(repo);
  });

  it('finds an installed node_modules/tessera (package.json named tessera) past the dist/*/package.json type markers', () => {
    const pkg = dir('app/node_modules/tessera', {
      'package.json': JSON.stringify({ name: 'tessera', version: '0.0.0' }),
      'dist/esm/package.json': JSON.stringify({ type: 'module' }),
      'dist/cjs/package.json': JSON.stringify({ type: 'commonjs' }),
    });
    dir('app', { 'package.json': JSON.stringify({ name: 'app' }) });
    expect(packageRoot(join(pkg, 'dist', 'esm'))).toBe(pkg);
    expect(packageRoot(join(pkg, 'dist', 'cjs'))).toBe(pkg);
  });

  it('explains what to do when there is no package root (tessera bundled into another file)', () => {
    expect(() => packageRoot('/')).toThrow(/cannot find the package root[\s\S]*mark it external[\s\S]*TESSERA_PREBUILD/);
  });
});

describe('load errors', () => {
  it('an empty directory: names the files looked for, why, and how to build from source', () => {
    const d = dir('empty');
    const msg = loadError(d);
    expect(msg).toContain(join(d, 'build', 'Release', 'tessera.node'));
    expect(msg).toContain(join(d, 'prebuilds', platformDir));
    expect(msg).toMatch(/why: +no binary matches this platform/);
    expect(msg).toContain('found:      (no .node files)');
    expect(msg).toContain('npm rebuild tessera --build-from-source');
    expect(msg).toContain('npm run build:native');
    expect(msg).toMatch(/python3, make and a C\+\+17 compiler/);
  });

  it('a corrupt prebuild: names the file tried and says it is not a loadable library (not a bare dlopen message)', () => {
    const d = dir('corrupt', { [`prebuilds/${platformDir}/tessera.glibc.node`]: 'this is not an ELF file' });
    const msg = loadError(d);
    const file = join(d, 'prebuilds', platformDir, 'tessera.glibc.node');
    expect(msg).toContain(`tried:      ${file}`);
    expect(msg).toMatch(/why: +the file is not a loadable shared library.*(invalid ELF header|file too short)/);
    expect(msg).toContain('npm rebuild tessera --build-from-source');
  });

  it('a corrupt build/Release/tessera.node is reported the same way', () => {
    const d = dir('corrupt-release', { 'build/Release/tessera.node': '' });
    const msg = loadError(d);
    expect(msg).toContain(`tried:      ${join(d, 'build', 'Release', 'tessera.node')}`);
    expect(msg).toMatch(/not a loadable shared library/);
  });

  it('only a prebuild for another platform: lists what was found', () => {
    const d = dir('other-arch', { 'prebuilds/linux-arm64/tessera.glibc.node': 'x' });
    const msg = loadError(d);
    expect(msg).toContain(join(d, 'prebuilds', 'linux-arm64', 'tessera.glibc.node'));
    expect(msg).toMatch(/no binary matches this platform/);
  });

  it('reaches users through compute(): TESSERA_PREBUILD pointing at an empty dir rejects with the full message', () => {
    const d = dir('empty-env');
    const script = `import { ones } from ${JSON.stringify(join(repo, 'src', 'index.ts'))};
      ones([4], { chunks: [2] }).sum().compute().then(
        () => { console.log('LOADED'); },
        (e) => { console.log(e.message); process.exitCode = 3; });`;
    const r = spawnSync(process.execPath, [join(repo, 'node_modules', 'tsx', 'dist', 'cli.mjs'), '--input-type=module', '-e', script], {
      env: { ...process.env, TESSERA_PREBUILD: d },
      encoding: 'utf8',
      cwd: repo,
    });
    expect(r.stdout).not.toContain('LOADED');
    expect(r.status).toBe(3);
    expect(r.stdout).toContain('tessera: could not load the native addon');
    expect(r.stdout).toContain(join(d, 'prebuilds', platformDir));
  });
});
