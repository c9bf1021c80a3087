// `tessera run` must not write outside --out-dir, nor read without end (issue 13, item 3).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { main, MAX_PLAN_BYTES } from '../src/cli.js';
import { fromArray, ones } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'tessera-holes-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

describe('tessera run --out-dir', () => {
  it.each(['../../../escaped', '../escaped', 'sub/escaped', '..', '.', 'a\\b', `/tmp/abs-${process.pid}`])('refuses the output name %j before writing anything', async (name) => {
    const work = mkdtempSync(join(dir, 'w-'));
    const out = join(work, 'a', 'b', 'out');
    const plan = join(work, 'plan.json');
    writeFileSync(plan, JSON.stringify(ones([3]).add(1).toPlan({ outputs: [name] })));
    const r = await run('run', plan, '--out-dir', out);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`--out-dir: output ${JSON.stringify(name)} is not a plain file name`);
    expect(existsSync(out)).toBe(false); // nothing created, not even the directory
    expect(readdirSync(work)).toEqual(['plan.json']);
    expect(existsSync(`/tmp/abs-${process.pid}.f64`)).toBe(false);
  });

  it('still writes plain names into the directory', async () => {
    const out = join(dir, 'ok');
    const plan = join(dir, 'ok.json');
    writeFileSync(plan, JSON.stringify(ones([3]).add(1).toPlan({ outputs: ['two.s'] })));
    const r = await run('run', plan, '--out-dir', out);
    expect(r.code).toBe(0);
    expect(Array.from(new Float64Array(new Uint8Array(readFileSync(join(out, 'two.s.f64'))).buffer))).toEqual([2, 2, 2]);
  });
});

describe('tessera run input caps', () => {
  it('refuses a plan from /dev/zero after the cap instead of reading forever', async () => {
    const t0 = performance.now();
    const r = await run('run', '/dev/zero');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/RangeError: \/dev\/zero: the plan is larger than 256 MiB/);
    expect(MAX_PLAN_BYTES).toBe(256 * 2 ** 20);
    expect(performance.now() - t0).toBeLessThan(30_000);
  });

  it('refuses an endless stdin with exit code 1', () => {
    const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
    const r = spawnSync('sh', ['-c', `yes | "${process.execPath}" --import tsx "${cli}" run -`], { encoding: 'utf8', timeout: 60_000 });
    expect(r.error).toBeUndefined();
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/stdin: the plan is larger than 256 MiB/);
  });

  it('reads raw inputs only up to the size the plan declares', async () => {
    const a = fromArray(new Float64Array(4));
    const plan = join(dir, 'in.json');
    writeFileSync(plan, JSON.stringify(a.mul(2).toPlan({ inputs: { a } })));
    const r = await run('run', plan, '--input', 'a=/dev/zero');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--input a: \/dev\/zero has more than 32 bytes, but the plan's input holds 4 float64 values/);
    mkdirSync(join(dir, 'raw'), { recursive: true });
    writeFileSync(join(dir, 'raw', 'a.f64'), new Uint8Array(Float64Array.of(1, 2, 3, 4).buffer));
    const ok = await run('run', plan, '--input', `a=${join(dir, 'raw', 'a.f64')}`);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).out0.data).toEqual([2, 4, 6, 8]);
  });
});
