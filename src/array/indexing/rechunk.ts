// x.rechunk(spec) with Dask's full spec (dask.array.rechunk.rechunk): a dict { axis: entry }
// (negative axes allowed; missing axes keep their chunks), null/undefined entries keep the current
// chunks of that axis (in a list too), -1 the whole axis, 'auto', a block size, explicit sizes.
import { describe } from '../../errors.js';
import { normalizeChunks, type ChunkSpecEntry, type ChunksSpec } from '../chunks.js';

/** What rechunk accepts: any chunks spec, or a dict from axis to entry. */
export type RechunkSpec = ChunksSpec | { readonly [axis: number]: ChunkSpecEntry | undefined };

export function rechunkChunks(spec: RechunkSpec, current: readonly (readonly number[])[], shape: readonly number[], itemsize: number): number[][] {
  const ndim = shape.length;
  let entries: ChunkSpecEntry[] | null = null;
  if (typeof spec === 'object' && spec !== null && !Array.isArray(spec)) {
    entries = current.map((c) => [...c]);
    for (const [key, value] of Object.entries(spec as Record<string, ChunkSpecEntry | undefined>)) {
      const axis = Number(key);
      if (!Number.isInteger(axis) || axis < -ndim || axis >= ndim) {
        throw new RangeError(`rechunk: axis ${describe(key)} in the chunks dict is out of bounds for an array of ${ndim} dimensions (accepted: ${-ndim}..${ndim - 1})`);
      }
      if (value !== null && value !== undefined) entries[axis < 0 ? axis + ndim : axis] = value;
    }
  } else if (Array.isArray(spec)) {
    const list = spec as readonly (ChunkSpecEntry | undefined)[];
    // A plain list of numbers for a 1-d array is explicit sizes (normalizeChunks's rule).
    const explicit1d = ndim === 1 && list.length > 1 && list.every((e) => typeof e === 'number');
    if (!explicit1d && list.length === ndim) entries = list.map((e, k) => (e === null || e === undefined ? [...current[k]!] : e));
  }
  return normalizeChunks((entries ?? spec) as ChunksSpec, shape, itemsize, current);
}
