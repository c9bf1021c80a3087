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
  /** The stable order of the rows by the keys (NaN missing), on the pool. */
  dfArgsort(spec: ArgsortSpec, onProgress?: Progress): NativeHandle<Uint32Array>;
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
  dfGroupby(
    spec: {
      rows: number[];
      keys: GroupbyColumnSpec[];
      values: GroupbyColumnSpec[];
      aggs: { agg: number; value: number; ddof: number; q?: number }[];
    },
    onProgress?: Progress,
  ): NativeHandle<{ groups: number; columns: { type: ColType; data: ArrayBuffer; dictBytes?: ArrayBuffer; dictOffsets?: ArrayBuffer; present?: ArrayBuffer }[] }>;
}

export interface ArgsortSpec {
  keys: { data: Float64Array | BigInt64Array; ascending: boolean }[];
  rows: number;
  naFirst: boolean;
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
