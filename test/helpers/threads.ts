// Helpers of the tests that run one compute on several pool sizes (results must not depend on it).
import { DenseArray, configure, getConfig } from '../../src/index.js';

/** f() on `n` pool threads, the configured count restored afterwards. */
export async function onThreads<T>(n: number, f: () => Promise<T>): Promise<T> {
  const saved = getConfig().numThreads;
  configure({ numThreads: n });
  try {
    return await f();
  } finally {
    configure({ numThreads: saved });
  }
}

/** A compute's values as numbers whatever the dtype (a scalar as one value). */
export const values = (v: unknown): number[] => (v instanceof DenseArray ? Array.from(v.data as ArrayLike<number>, Number) : [Number(v)]);
