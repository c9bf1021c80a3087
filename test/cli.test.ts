// The CLI a user meets (issue 19 items 6–7): --version, every command's --help with examples and
// the environment variables it reads, counted nouns ("1 thread"), TESSERA_LOG levels.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COMMANDS, main } from '../src/cli.js';
import { logLevel, makeLog, packageVersion, plural } from '../src/cli-text.js';

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

describe('tessera --version and --help', () => {
  it.each(['--version', '-V', 'version'])('%s prints the package version', async (flag) => {
    const r = await run(flag);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`tessera ${pkg.version} (Node.js ${process.version}, ${process.platform}-${process.arch})\n`);
    expect(packageVersion()).toBe(pkg.version);
  });

  it('the main help lists every command and the version flag', async () => {
    const r = await run('--help');
    expect(r.code).toBe(0);
    for (const name of Object.keys(COMMANDS)) expect(r.stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
    expect(r.stdout).toContain('-V, --version');
  });

  // what each command reads from the environment (grep of src/: process.env / getenv)
  const reads: Record<string, string[]> = {
    run: ['TESSERA_NUM_THREADS', 'TESSERA_ISA'],
    scheduler: ['TESSERA_TOKEN', 'TESSERA_NATS_SERVER', 'TESSERA_LOG', 'TESSERA_NUM_THREADS'],
    worker: ['TESSERA_TOKEN', 'TESSERA_LOG'],
  };
  it.each(Object.keys(COMMANDS))('tessera %s --help: usage, examples, the environment variables it reads', async (name) => {
    const r = await run(name, '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^usage: tessera ${name}`));
    const examples = r.stdout.split('\nexamples:\n')[1]?.split('\n\n')[0] ?? '';
    expect(examples.split('\n').filter((l) => l.startsWith(`  tessera ${name}`) || l.includes(`| tessera ${name}`)).length).toBeGreaterThanOrEqual(2);
    const env = r.stdout.split('\nenvironment:\n')[1] ?? '';
    for (const v of reads[name]!) expect(env).toContain(v);
  });

  it('worker --nthreads defaults to the core count (dask-worker)', async () => {
    expect((await run('worker', '--help')).stdout).toMatch(/--nthreads N +native threads \(default: the number of cores/);
  });
});

describe('message grammar and log levels', () => {
  it('counts nouns', () => {
    expect(plural(1, 'thread')).toBe('1 thread');
    expect(plural(2, 'thread')).toBe('2 threads');
    expect(plural(0, 'task')).toBe('0 tasks');
    expect(plural(1, 'layer')).toBe('1 layer');
    expect(plural(12345, 'task')).toBe('12,345 tasks');
  });

  it('tessera run says "1 task in 1 stage"', async () => {
    const { ones } = await import('../src/index.js');
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const plan = join(mkdtempSync(join(tmpdir(), 'tessera-cli-')), 'p.json');
    writeFileSync(plan, JSON.stringify(ones([3]).add(1).toPlan()));
    const r = await run('run', plan);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^tessera run: 1 task in 1 stage, [\d.]+ ms\n$/);
  });

  it('TESSERA_LOG picks the level; unknown values are refused by name', () => {
    expect(logLevel({})).toBe('info');
    expect(logLevel({ TESSERA_DEBUG: '1' })).toBe('debug');
    expect(logLevel({ TESSERA_LOG: 'WARN' })).toBe('warn');
    expect(() => logLevel({ TESSERA_LOG: 'verbose' })).toThrow(/TESSERA_LOG="verbose" is not a log level \(accepted: debug, info, warn, error, silent\)/);
    const lines: string[] = [];
    const warn = makeLog((t) => lines.push(t), { level: 'warn' });
    warn('worker joined: w1');
    warn('worker lost: w1', 'warn');
    warn('task t1 started', 'debug');
    expect(lines).toEqual(['warn: worker lost: w1\n']);
    const debug = makeLog((t) => lines.push(t), { level: 'debug', prefix: 'w1: ' });
    debug('task t1 started', 'debug');
    debug('hello');
    expect(lines.slice(1)).toEqual(['w1: debug: task t1 started\n', 'w1: hello\n']);
    const stamped = makeLog((t) => lines.push(t), { level: 'info', timestamps: true });
    stamped('up');
    expect(lines.at(-1)).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z up\n$/);
  });
});
