// The DataFrame functions of the native addon (native/binding/addon_dataframe.cc). Every async function
// runs one job on the engine's thread pool and returns { promise, cancel }.
import { native } from '../native.js';

export const enum ColType { Auto = -1, Int64 = 0, Float64 = 1, String = 2, Datetime = 3, Bool = 4 }

export interface NativeColumn {
  type: ColType;
  allMissing: boolean;
  /** Not converted (CsvSpec.skip). */
  skipped?: boolean;
  data: ArrayBuffer;
  dictBytes?: ArrayBuffer;
  dictOffsets?: ArrayBuffer;
}

export interface NativeBlock {
  ok: boolean;
  rows: number;
  lines: number;
  error?: string;
  errorLine?: number;
  /** File offset (0-based) of the first byte that is not utf-8, when that is the error. */
  errorByte?: number;
  columns?: NativeColumn[];
}

export interface NativeHandle<T> {
  promise: Promise<T>;
  cancel(): void;
}

export interface CsvSpec {
  names: string[];
  sep?: string;
  quote?: string;
  latin1?: boolean;
  types?: ColType[];
  /** true = tokenize only (column not wanted). */
  skip?: boolean[];
}

export interface WriteColumnSpec {
  type: ColType;
  data: ArrayBufferView;
  dictBytes?: Uint8Array;
  dictOffsets?: Int32Array;
}

type Progress = ((done: number, total: number) => void) | undefined;

export interface DataframeAddon {
  /** The stable order of the rows by the keys (NaN missing) and the `gather` arrays in that order, on the pool. */
  dfSort(spec: SortNativeSpec, onProgress?: Progress): NativeHandle<ArrayBuffer[]>;
  /** The (left row, right row) pairs of a merge on one key, in pandas' order (a hash join on the pool). */
  dfJoin(spec: JoinNativeSpec, onProgress?: Progress): NativeHandle<JoinNativeResult>;
  /** Columns gathered by one index (−1: no row: NaN, 0 or −1 by the array's type; `as` converts), on the pool. */
  dfTake(spec: { index: Int32Array; columns: { data: ArrayBufferView; as?: 'float64' | 'code' }[] }, onProgress?: Progress): NativeHandle<ArrayBuffer[]>;
  dfTimeseries(
    spec: {
      seed: number;
      startMs: number;
      freqMs: number;
      parts: Float64Array;
      columns: { name: string; type: ColType; lambda?: number; ncat?: number }[];
    },
    onProgress?: Progress,
  ): NativeHandle<NativeColumn[][]>;
  dfParseCsv(bytes: Uint8Array, spec: CsvSpec & { skipHeader?: boolean }): NativeBlock;
  dfReadCsv(
    spec: CsvSpec & { blocks: { path: string; start: number; end: number; skipHeader: boolean }[] },
    onProgress?: Progress,
  ): NativeHandle<NativeBlock[]>;
  dfWriteCsv(
    spec: {
      files: { path: string; tmp: string }[];
      names: string[];
      header: boolean;
      sep: string;
      latin1: boolean;
      partitions: { rows: number; columns: WriteColumnSpec[] }[];
    },
    onProgress?: Progress,
  ): NativeHandle<void>;
  dfStats(
    spec: { columns: { type: ColType; parts: ArrayBufferView[] }[]; quantiles?: Float64Array },
    onProgress?: Progress,
  ): NativeHandle<Float64Array>;
  /** pandas' nancorr: the K×K matrix of correlations (or covariances, divisor n − ddof) of the columns, pairs in parallel. */
  dfCorr(
    spec: { columns: { type: ColType; parts: ArrayBufferView[] }[]; cov: boolean; minPeriods: number; ddof: number; finiteOnly: boolean },
    onProgress?: Progress,
  ): NativeHandle<Float64Array>;
  /** Row compaction: each part's 0/1 mask counted and the keep columns compacted to its rows (null: every row kept), per part. */
  dfFilter(
    spec: { rows: number[]; masks: Uint8Array[]; keep: ArrayBufferView[][] },
    onProgress?: Progress,
  ): NativeHandle<{ counts: Float64Array; columns: (ArrayBuffer | null)[][] }>;
  dfGroupby(
    spec: {
      rows: number[];
      keys: GroupbyColumnSpec[];
      values: GroupbyColumnSpec[];
      aggs: { agg: number; value: number; ddof: number; q?: number }[];
      /** Dask's split_out: the result as this many hash buckets of the key ({ parts }). */
      splitOut?: number;
      /** The groups' order: 0 by key (default), 1 by size descending, 2 ascending (ties by first row), 3 by first row, 4 unsorted. */
      order?: number;
      /** false: missing keys form a group (pandas' dropna=False). */
      dropna?: boolean;
    },
    onProgress?: Progress,
  ): NativeHandle<GroupbyNativeResult & { parts?: GroupbyNativeResult[] }>;
}

/** A native groupby's table (or one bucket of it): the keys, then one column per aggregation. */
export interface GroupbyNativeResult {
  groups: number;
  columns: { type: ColType; data: ArrayBuffer; dictBytes?: ArrayBuffer; dictOffsets?: ArrayBuffer; present?: ArrayBuffer }[];
}

/** One side of a native join: the key in parts (float64 with NaN missing, int64, or int32 ids), all parts of one type. */
export interface JoinNativeSide {
  rows: number[];
  parts: (Float64Array | BigInt64Array | Int32Array)[];
}

export interface JoinNativeSpec {
  left: JoinNativeSide;
  right: JoinNativeSide;
  how: 'inner' | 'left' | 'right' | 'outer';
  /** Internal (tests): the hash-partitioned join when both sides have at least this many rows (default: never). */
  partitionFrom?: number;
}

/** The pairs: Int32 row numbers over a side's parts (−1: no row), or null when they are that side's rows in order. */
export interface JoinNativeResult {
  size: number;
  left: ArrayBuffer | null;
  right: ArrayBuffer | null;
  /** Some pair has no left row / no right row. */
  leftMissing: boolean;
  rightMissing: boolean;
  /** The hash-partitioned route was taken (both sides at least `partitionFrom` rows, keys hashed). */
  partitioned: boolean;
}

export interface SortNativeSpec {
  /** The rows of each part. */
  rows: number[];
  keys: { parts: (Float64Array | BigInt64Array)[]; ascending: boolean }[];
  naFirst: boolean;
  /** Columns (one array of 1-, 4- or 8-byte elements per part) to return in the sorted order; `shift`: int32 codes + shift[part]. */
  gather: { parts: ArrayBufferView[]; shift?: Int32Array }[];
  /** One key only: also return each row's dense key rank (Uint32, in part order) then the number of distinct keys, as a last buffer. */
  ranks?: boolean;
}

export interface GroupbyColumnSpec {
  type: ColType;
  parts: ArrayBufferView[];
  dictBytes?: Uint8Array[];
  dictOffsets?: Int32Array[];
}

export function dfNative(): DataframeAddon {
  return native() as unknown as DataframeAddon;
}
