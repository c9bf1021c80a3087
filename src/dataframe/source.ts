// Where a DataFrame's partitions come from (a generator, CSV blocks): one task per partition.
import type { ComputeOptions } from '../graph/types.js';
import type { DType, Partition } from './column.js';

export interface LoadContext {
  options: ComputeOptions;
  /** Called as partition tasks finish (done counts this load only). */
  progress?: (done: number) => void;
  /** Registers the cancel function of the running native job (for AbortSignal). */
  onCancel?: (cancel: () => void) => void;
}

export interface PartitionSource {
  /** Layer name (Dask style: op-id). */
  readonly name: string;
  /** Operation name shown in graphs. */
  readonly op: string;
  readonly npartitions: number;
  /** All columns produced, in order, with their dtypes (for CSV: inferred from a sample). */
  readonly schema: ReadonlyArray<readonly [string, DType]>;
  /** Index column name (not part of `columns`), if any. */
  readonly index?: string;
  readonly divisions?: readonly (Date | number | string)[];
  /** Rows per partition when known without computing. */
  readonly lengths?: readonly number[];
  /** Sources this one reads (derived frames: filter, assign, sort, merge), for task graphs. */
  readonly inputs?: readonly PartitionSource[];
  /** Each partition reads every input partition (sort, merge) rather than its own. */
  readonly allToAll?: boolean;
  /** The input partitions partition t reads, as [input number, partition] (concat, repartition), when neither its own nor all. */
  taskInputs?(t: number): [number, number][];
  /** Loads partitions `parts` (default all) with the given columns (default all; index always when present). */
  load(columns: readonly string[] | undefined, parts: readonly number[] | undefined, ctx: LoadContext): Promise<Partition[]>;
  /**
   * A source whose dtypes are inferred per load (CSV): while on, every load unifies its dtypes with
   * those of all loads since it was turned on, so a caller loading in batches (toCsv) can get one
   * dtype per column by reloading the batches loaded before a dtype widened.
   */
  stickTypes?(on: boolean): void;
}

/** What a DataFrame is: a source and the columns selected from it. */
export interface DataFrameState {
  source: PartitionSource;
  /** Selected columns (a subset of the source's, in the selection's order). */
  columns: readonly string[];
  /** Name of the projection layer when columns were selected. */
  projection?: string;
}

let counter = 0;
/** A short unique suffix for layer names (`op-suffix`, as Dask's layer names). */
export function layerId(): string {
  counter += 1;
  return (counter * 2654435761 >>> 0).toString(16).padStart(8, '0');
}
