// readCsv's blocks of 1 MiB and more are mapped from the file instead of read into a buffer
// (native/dataframe/csv_io.cc, BlockBytes): the same rows whatever the block size, against closed
// forms, and the byte offset of invalid utf-8 deep in a mapped block is still the file's.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCsv } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'tessera-csv-mapped-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const names = ['Alice', 'Bob', 'Carol', 'Dan', 'Eve'];
const N = 90_000; // ≈ 3.3 MB: three or four blocks of 1 MiB
const lines = ['a,name,q,x'];
for (let i = 0; i < N; i++) lines.push(`${i},${names[i % 5]},"q,${i}",${i}.25`);
const path = join(dir, 'big.csv');
writeFileSync(path, `${lines.join('\n')}\n`);

describe('readCsv of mapped blocks', () => {
  for (const blocksize of [1 << 20, (1 << 20) + 4093, null]) {
    it(`reads every row once with blocksize ${blocksize}`, async () => {
      const df = readCsv(path, { blocksize });
      if (blocksize !== null) expect(df.npartitions).toBeGreaterThanOrEqual(3);
      expect(await df.get('a').count().compute()).toBe(N);
      expect(await df.get('a').sum().compute()).toBe((N * (N - 1)) / 2);
      expect(await df.get('x').sum().compute()).toBe((N * (N - 1)) / 2 + 0.25 * N);
      const counts = await df.groupby('name').size().compute();
      expect(counts.column('name')).toEqual(names);
      expect(counts.column('size')).toEqual(names.map(() => N / 5));
      const tail = await df.tail(2);
      expect(tail.column('q')).toEqual([`q,${N - 2}`, `q,${N - 1}`]);
    });
  }

  it('names the file offset of invalid utf-8 past the first MiB', async () => {
    const good = Buffer.from(`${lines.join('\n')}\n`);
    const bad = Buffer.concat([good, Buffer.from([0x31, 0x2c, 0x41, 0x2c, 0xc3, 0x28, 0x2c, 0x31, 0x0a])]);
    const p = join(dir, 'bad.csv');
    writeFileSync(p, bad);
    await expect(readCsv(p, { blocksize: 1 << 20 }).compute()).rejects.toThrow(`at byte offset ${good.length + 4}`);
  });
});
