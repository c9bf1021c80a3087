// Partitions held in memory as a source: persist() results, frames from other tools' data.
import type { Column, DType, Partition } from './column.js';
import { type LoadContext, type PartitionSource, layerId } from './source.js';

/** Partitions held in memory: persist() results, and frames made from other tools' data (fromArrow). */
export class MemorySource implements PartitionSource {
  readonly name: string;
  readonly npartitions: number;
  readonly schema: [string, DType][];
  readonly index?: string;
  readonly divisions?: readonly (Date | number | string)[];
  readonly lengths: number[];

  constructor(
    from: Pick<PartitionSource, 'index' | 'divisions' | 'schema'>,
    columns: readonly string[],
    private readonly parts: Partition[],
    readonly op = 'persisted',
  ) {
    this.name = `${op}-${layerId()}`;
    this.npartitions = parts.length;
    this.index = from.index;
    this.divisions = from.divisions;
    this.lengths = parts.map((p) => p.length);
    const names = from.index ? [from.index, ...columns] : [...columns];
    const declared = new Map(from.schema);
    this.schema = names.map((n) => [n, parts[0]?.columns.get(n)?.dtype ?? declared.get(n)!]);
  }

  async load(columns: readonly string[] | undefined, parts: readonly number[] | undefined, ctx: LoadContext): Promise<Partition[]> {
    const idx = parts ?? this.parts.map((_, i) => i);
    const want = columns ?? this.schema.map((c) => c[0]).filter((n) => n !== this.index);
    const names = this.index ? [this.index, ...want] : want;
    const out = idx.map((i) => {
      const p = this.parts[i]!;
      return { length: p.length, columns: new Map(names.filter((n) => p.columns.has(n)).map((n) => [n, p.columns.get(n)!] as [string, Column])) };
    });
    ctx.progress?.(idx.length);
    return out;
  }
}
