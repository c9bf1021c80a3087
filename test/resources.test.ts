// Resources (issue 19 item 5): persisted arrays, clients, dashboards and worker pools are
// disposables (`await using kept = await x.persist()`), and console.log of a DataFrame, Table,
// Client or NDArray shows what it is, not its internals.
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { configureWorkerPool, datasets, delayed, ones, startDashboard, type NDArray } from '../src/index.js';
import { busCluster } from './helpers/distributed.js';

const disposed = (x: NDArray): boolean => {
  const node = x.node as { kind: string; state?: { disposed: boolean } };
  return node.kind === 'memory' && node.state!.disposed;
};

describe('disposables', () => {
  it('await using a persisted array frees its native memory at the end of the scope', async () => {
    let outside: NDArray | undefined;
    {
      await using kept = await ones([1000], { chunks: 100 }).mul(3).persist();
      outside = kept;
      expect(disposed(kept)).toBe(false);
      expect(await kept.sum().compute()).toBe(3000); // usable inside the scope
    }
    expect(disposed(outside)).toBe(true);
  });

  it('using (synchronous) does the same; disposing twice or a lazy array is a no-op', async () => {
    let outside: NDArray | undefined;
    {
      using kept = await ones([10]).persist();
      outside = kept;
    }
    expect(disposed(outside)).toBe(true);
    outside[Symbol.dispose]();
    const lazy = ones([3]);
    await lazy[Symbol.asyncDispose]();
    expect(await lazy.sum().compute()).toBe(3);
  });

  it('await using a Client closes it; a RemoteArray releases its chunks', async () => {
    const cluster = await busCluster(['r1'], 100);
    try {
      const client = cluster.client;
      let remoteOutside: { compute(): Promise<unknown> } | undefined;
      {
        await using remote = await client.persist(ones([8], { chunks: 4 }));
        remoteOutside = remote;
        expect(await remote.compute()).toBeDefined();
      }
      await expect(remoteOutside.compute()).rejects.toThrow(/released/);
      expect(inspect(client)).toMatch(/^tessera\.Client<scheduler=\S+, open, computes=0>$/);
      {
        await using c = client;
        void c;
      }
      expect(inspect(client)).toMatch(/closed/);
      await expect(client.compute(ones([2]).sum())).rejects.toThrow(/closed/);
    } finally {
      await cluster.close();
    }
  });

  it('await using a dashboard closes its server', async () => {
    let url = '';
    {
      await using dash = await startDashboard({ port: 0 });
      url = dash.url;
      expect((await fetch(url)).status).toBe(200);
    }
    await expect(fetch(url)).rejects.toThrow();
  });

  it('await using the worker pool handle terminates its threads', async () => {
    const url = new URL('./fixtures/distributed-functions.mjs', import.meta.url);
    const square = delayed.module<(x: number) => number>(url, 'square', { worker: true });
    {
      await using pool = configureWorkerPool({ size: 1 });
      expect(typeof pool.shutdown).toBe('function');
      expect(await square(7).compute()).toBe(49);
    }
    // a new call starts a fresh worker: the pool is usable after disposal
    expect(await square(3).compute()).toBe(9);
    await configureWorkerPool({ size: 1 }).shutdown();
  });
});

describe('util.inspect', () => {
  it('a DataFrame prints its partitions and dtypes, a Table its rows, an NDArray its summary', async () => {
    const df = datasets.timeseries({ start: '2000-01-01', end: '2000-01-01 01:00:00', freq: '10min', partitionFreq: '1h', seed: 1 });
    expect(inspect(df)).toBe(String(df));
    expect(inspect(df)).toMatch(/^DataFrame\(npartitions=1, columns=\{.*"x":"float64".*\}\)$/);
    const table = await df.head(3);
    expect(inspect(table)).toBe(String(table));
    expect(inspect(table).split('\n')).toHaveLength(5); // header, index name, 3 rows (pandas' layout)
    expect(inspect(ones([2, 3]))).toBe('tessera.NDArray<ones, shape=[2, 3], dtype=float64, chunksize=[2, 3]>');
    expect(inspect({ nested: ones([2]) })).toContain('tessera.NDArray<ones');
  });
});
