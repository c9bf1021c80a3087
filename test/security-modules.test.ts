// Workers import task modules only from their module roots: a task naming node:child_process,
// a data: URL, node:fs, /etc/passwd or a symlink out of a root is refused with an error naming the
// URL and the roots, and nothing runs.
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { delayed } from '../src/index.js';
import { ModuleRoots } from '../src/distributed/module-roots.js';
import { busCluster, type BusCluster } from './helpers/distributed.js';

const fixtures = new URL('./fixtures/distributed-functions.mjs', import.meta.url).href;

describe('worker module roots', () => {
  let cluster: BusCluster;
  const dir = mkdtempSync(join(tmpdir(), 'tessera-sec-'));
  const marker = join(dir, 'pwned');
  // a module outside the roots, and a symlink to it from inside the root
  const outside = join(dir, 'outside');
  const root = join(dir, 'root');

  beforeAll(async () => {
    mkdirSync(outside);
    mkdirSync(root);
    writeFileSync(join(outside, 'evil.mjs'), `import { writeFileSync } from 'node:fs'; export function run(p) { writeFileSync(p, 'x'); return 1; }\n`);
    writeFileSync(join(root, 'ok.mjs'), `export function twice(x) { return 2 * x; }\n`);
    symlinkSync(join(outside, 'evil.mjs'), join(root, 'link.mjs'));
    cluster = await busCluster(['s1'], 100);
  });
  afterAll(async () => {
    await cluster?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const refused = (url: string): RegExp => new RegExp(`refused to load module ${url.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}.*only file: modules under .*fixtures.*--modules`);

  it('still runs modules inside the roots', async () => {
    expect(await cluster.client.submit({ url: fixtures, exportName: 'square' }, 9)).toBe(81);
  });

  it('refuses node:child_process: the command never runs', async () => {
    await expect(cluster.client.submit({ url: 'node:child_process', exportName: 'execSync' }, `touch ${marker}`)).rejects.toThrow(refused('node:child_process'));
    expect(existsSync(marker)).toBe(false);
  });

  it('refuses node:fs, data: and http: URLs and files outside the roots', async () => {
    await expect(cluster.client.submit({ url: 'node:fs', exportName: 'readFileSync' }, '/etc/passwd')).rejects.toThrow(refused('node:fs'));
    const data = `data:text/javascript,export function f(){ require('fs').writeFileSync(${JSON.stringify(marker)}, 'x') }`;
    await expect(cluster.client.submit({ url: data, exportName: 'f' })).rejects.toThrow(/refused to load module data:.*data: URLs are never loaded/);
    await expect(cluster.client.submit({ url: 'https://example.com/x.mjs', exportName: 'f' })).rejects.toThrow(/https: URLs are never loaded/);
    await expect(cluster.client.submit({ url: 'file:///etc/passwd', exportName: 'f' })).rejects.toThrow(/refused to load module file:\/\/\/etc\/passwd: outside the module roots/);
    const evil = pathToFileURL(join(outside, 'evil.mjs')).href;
    await expect(cluster.client.submit({ url: evil, exportName: 'run' }, marker)).rejects.toThrow(/outside the module roots/);
    // `..` inside a URL is resolved before the check
    const dotdot = new URL('./fixtures/../../package.json', import.meta.url).href;
    await expect(cluster.client.submit({ url: dotdot, exportName: 'f' })).rejects.toThrow(/outside the module roots/);
    expect(existsSync(marker)).toBe(false);
  });

  it('refuses the same through delayed graphs', async () => {
    const exec = delayed.module('node:child_process' as unknown as URL, 'execSync');
    await expect(cluster.client.compute(exec(`touch ${marker}`))).rejects.toThrow(/refused to load module node:child_process/);
    expect(existsSync(marker)).toBe(false);
  });

  it('resolves symlinks: a link inside a root to a file outside is refused', () => {
    const roots = new ModuleRoots([root]);
    expect(roots.resolve(pathToFileURL(join(root, 'ok.mjs')).href)).toBe(pathToFileURL(join(realpathSync(root), 'ok.mjs')).href);
    expect(() => roots.resolve(pathToFileURL(join(root, 'link.mjs')).href)).toThrow(/resolves to .*outside[/\\]evil\.mjs, outside the module roots/);
    // a root that is itself a symlink is fine: compared by real path
    symlinkSync(root, join(dir, 'root-link'));
    expect(new ModuleRoots([join(dir, 'root-link')]).resolve(pathToFileURL(join(dir, 'root-link', 'ok.mjs')).href)).toContain('/root/ok.mjs');
    expect(() => roots.resolve(pathToFileURL(join(root, 'missing.mjs')).href)).toThrow(/no such file/);
    expect(() => roots.resolve(pathToFileURL(root).href)).toThrow(/outside the module roots/);
    expect(() => new ModuleRoots([join(dir, 'nope')])).toThrow(/module root .*nope does not exist/);
    expect(() => new ModuleRoots([])).toThrow(TypeError);
  });
});
