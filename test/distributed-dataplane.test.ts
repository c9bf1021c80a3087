// The workers' chunk port (src/distributed/dataplane.ts): whole chunks and packed boxes over TCP,
// guarded by the cluster token; errors come back as errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataServer, fetchData, type DataAddress } from '../src/distributed/dataplane.js';

describe('data plane', () => {
  const chunk = Float64Array.from({ length: 6 * 5 }, (_, i) => i);
  const bytes = new Uint8Array(chunk.buffer);
  let server: DataServer;
  let addr: DataAddress;
  beforeAll(async () => {
    server = new DataServer((req) => {
      if (req.key !== 'k') return { error: `no chunk ${req.key}` };
      if (!req.box) return bytes;
      const { start, ext } = req.box;
      const out: number[] = [];
      for (let i = 0; i < ext[0]!; i++) for (let j = 0; j < ext[1]!; j++) out.push(chunk[(start[0]! + i) * 5 + start[1]! + j]!);
      return new Uint8Array(Float64Array.from(out).buffer);
    }, 'secret');
    addr = await server.listen('127.0.0.1');
  });
  afterAll(() => server.close());

  it('serves whole chunks and boxes, into a caller buffer too', async () => {
    const whole = await fetchData(addr, { key: 'k' }, 'secret', 5000);
    expect([...new Float64Array(whole.slice().buffer)]).toEqual([...chunk]);
    const into = new Uint8Array(2 * 2 * 8);
    await fetchData(addr, { key: 'k', box: { shape: [6, 5], start: [1, 3], ext: [2, 2], itemsize: 8 } }, 'secret', 5000, into);
    expect([...new Float64Array(into.buffer)]).toEqual([8, 9, 13, 14]);
    await expect(fetchData(addr, { key: 'k' }, 'secret', 5000, new Uint8Array(8))).rejects.toThrow(/expected 8 bytes, the server has 240/);
  });

  it('refuses a wrong or missing token, reports unknown chunks, fails on a closed port', async () => {
    await expect(fetchData(addr, { key: 'k' }, 'nope', 5000)).rejects.toThrow(/refused: wrong or missing cluster token/);
    await expect(fetchData(addr, { key: 'k' }, undefined, 5000)).rejects.toThrow(/refused/);
    await expect(fetchData(addr, { key: 'gone' }, 'secret', 5000)).rejects.toThrow(/no chunk gone/);
    const closed = new DataServer(() => bytes);
    const a = await closed.listen('127.0.0.1');
    await closed.close();
    await expect(fetchData(a, { key: 'k' }, undefined, 2000)).rejects.toThrow();
  });

  it('moves a large chunk intact', async () => {
    const big = new Uint8Array(24 << 20).map((_, i) => (i * 7) & 255);
    const s = new DataServer(() => big);
    const a = await s.listen('127.0.0.1');
    const got = await fetchData(a, { key: 'x' }, undefined, 20_000);
    expect(Buffer.from(got).equals(Buffer.from(big))).toBe(true);
    await s.close();
  });
});
