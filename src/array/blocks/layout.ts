// Blocked layouts in shared memory: every block of an array (or of a halo'd array, mapOverlap) is
// one contiguous run of a SharedArrayBuffer, so a worker thread views it with a typed array over
// the shared buffer — no copy, no structured clone. The blocks are written by ordinary kernel
// stages (any lazy expression fuses into them): along each axis, consecutive blocks with the same
// shape and equally spaced sources form a *run*, a product of runs is a *region* whose blocks lie
// row-major one after another, and a region is one stage whose iteration space is
// [blocks per run..., block extents...] with the access map walking the source axis from both
// iteration axes (lower.ts Access: node coordinate = base + Σ step·c). A halo from beyond the
// array's edge (reflect, periodic, nearest) is one more such piece with step -1, 0 or a shifted
// start; a constant boundary is a constant stage. The way back (blocked → row-major, with trim)
// is the same construction read the other way: a memory node over one region, stored row-major.
import { DTYPES as NATIVE_DTYPES } from '../../plan/ops.generated.js';
import { ReduceCode } from '../../native.js';
import { NativeDType } from '../../plan/types.js';
import { run, type Val } from '../emit.js';
import { Lowering, type Access } from '../lower.js';
import { contiguousStrides, newId, size, type DType, type MemoryNode, type Node } from '../node.js';

/** A piece of a block along one axis: source coordinates start, start+step, … (step may be -1 or 0), or a constant. */
export type RangeSegment = { readonly len: number; readonly start: number; readonly step: number };
export type FillSegment = { readonly len: number; readonly fill: number };
export type Segment = RangeSegment | FillSegment;

/** Per axis, per block along it: the segments the block is made of, in order. */
export type AxisBlocks = readonly (readonly Segment[])[];

interface Run {
  first: number;
  count: number;
  /** Source (or destination) shift from one block of the run to the next. */
  delta: number;
  /** The first block's extent along the axis. */
  len: number;
}

const isFill = (s: Segment): s is FillSegment => 'fill' in s;
const segKey = (s: Segment): string => (isFill(s) ? `f${s.len}:${s.fill}` : `r${s.len}:${(s as RangeSegment).step}`);

/** Maximal runs of blocks with the same segment structure whose sources advance by one common delta. */
function runsOf(blocks: AxisBlocks): Run[] {
  const runs: Run[] = [];
  const key = blocks.map((b) => b.map(segKey).join('|'));
  const shift = (a: readonly Segment[], b: readonly Segment[]): number | undefined => {
    let d: number | undefined;
    for (let i = 0; i < a.length; i++) {
      const x = a[i]!;
      const y = b[i]!;
      if (isFill(x) || isFill(y)) continue;
      const e = (y as RangeSegment).start - (x as RangeSegment).start;
      if (d === undefined) d = e;
      else if (d !== e) return undefined;
    }
    return d ?? 0;
  };
  let b = 0;
  while (b < blocks.length) {
    let count = 1;
    let delta = 0;
    while (b + count < blocks.length && key[b + count] === key[b]) {
      const d = shift(blocks[b + count - 1]!, blocks[b + count]!);
      if (d === undefined || (count > 1 && d !== delta)) break;
      delta = d;
      count++;
    }
    runs.push({ first: b, count, delta, len: blocks[b]!.reduce((n, s) => n + s.len, 0) });
    b += count;
  }
  return runs;
}

/** Where every block of a blocked buffer starts (elements), by row-major block index. */
export interface BlockedLayout {
  /** Blocks per axis. */
  readonly grid: readonly number[];
  /** Per axis, per block: the block's extent. */
  readonly lens: readonly (readonly number[])[];
  /** Element offset of each block, by row-major index over `grid`. */
  readonly offsets: Float64Array;
  readonly elements: number;
}

interface Region {
  runs: Run[];
  offset: number;
  blockElems: number;
}

function regionsOf(runsPerAxis: Run[][], visit?: (r: Region) => void): { regions: Region[]; elements: number } {
  const regions: Region[] = [];
  let offset = 0;
  const n = runsPerAxis.length;
  const pick = new Array<number>(n).fill(0);
  if (runsPerAxis.some((r) => r.length === 0)) return { regions, elements: 0 };
  for (;;) {
    const runs = pick.map((p, k) => runsPerAxis[k]![p]!);
    const blockElems = size(runs.map((r) => r.len));
    const region = { runs, offset, blockElems };
    regions.push(region);
    visit?.(region);
    offset += blockElems * size(runs.map((r) => r.count));
    let k = n - 1;
    while (k >= 0 && ++pick[k]! === runsPerAxis[k]!.length) pick[k--] = 0;
    if (k < 0) break;
  }
  return { regions, elements: offset };
}

function layoutOf(runsPerAxis: Run[][], lens: number[][]): { layout: BlockedLayout; regions: Region[] } {
  const grid = lens.map((l) => l.length);
  const gridStrides = contiguousStrides(grid);
  const offsets = new Float64Array(size(grid));
  const { regions, elements } = regionsOf(runsPerAxis);
  for (const r of regions) {
    const counts = r.runs.map((x) => x.count);
    const total = size(counts);
    const idx = new Array<number>(counts.length).fill(0);
    for (let t = 0; t < total; t++) {
      let flat = 0;
      idx.forEach((i, k) => (flat += (r.runs[k]!.first + i) * gridStrides[k]!));
      offsets[flat] = r.offset + t * r.blockElems;
      for (let k = counts.length - 1; k >= 0 && ++idx[k]! === counts[k]!; k--) idx[k] = 0;
    }
  }
  return { layout: { grid, lens, offsets, elements }, regions };
}

// every dtype's code (typed registers: integer leaves and sinks are their own dtypes)
const NATIVE_CODES = new Map<string, NativeDType>(NATIVE_DTYPES.map((d) => [d.name, d.code as NativeDType]));
const nativeDType = (d: DType): NativeDType => NATIVE_CODES.get(d)!;

/** Stage chunks over [run blocks..., block extents...]: whole blocks, grouped along the last run axis to ≥ 16k elements a task. */
function stageChunks(counts: number[], extents: number[]): number[][] {
  const per = Math.max(1, size(extents));
  const group = Math.max(1, Math.floor(16384 / per));
  const chunks: number[][] = counts.map((c) => new Array<number>(c).fill(1));
  const n = counts.length;
  if (n > 0) {
    const c = counts[n - 1]!;
    const g: number[] = [];
    for (let i = 0; i < c; i += group) g.push(Math.min(group, c - i));
    chunks[n - 1] = g;
  }
  for (const e of extents) chunks.push([e]);
  return chunks;
}

const constNode = (value: number, dtype: DType): Node => ({ kind: 'const', op: 'full', value, id: newId(), name: 'fill', shape: [], dtype, chunks: [] }) as unknown as Node;

/**
 * Add the stages writing `node`'s blocks (described per axis by `axes`) into `memory` (a view of
 * a SharedArrayBuffer, `dtype` elements) to `lowering`; returns where each block starts.
 */
export function gatherBlocks(lowering: Lowering, node: Node, axes: readonly AxisBlocks[], memory: ArrayBufferView | undefined, dtype: DType, name: string): BlockedLayout {
  const runsPerAxis = axes.map(runsOf);
  const lens = axes.map((blocks) => blocks.map((b) => b.reduce((n, s) => n + s.len, 0)));
  const { layout, regions } = layoutOf(runsPerAxis, lens);
  if (!memory) return layout;
  const buffer = lowering.buffer(memory);
  const n = axes.length;
  for (const r of regions) {
    const counts = r.runs.map((x) => x.count);
    const blockShape = r.runs.map((x) => x.len);
    const inner = contiguousStrides(blockShape);
    const outer = contiguousStrides(counts).map((s) => s * r.blockElems);
    // every combination of one segment per axis (the block's first instance describes the run)
    const segs = r.runs.map((x, k) => axes[k]![x.first]!);
    const pick = new Array<number>(n).fill(0);
    for (;;) {
      const chosen = pick.map((p, k) => segs[k]![p]!);
      const extents = chosen.map((s) => s.len);
      if (size(extents) > 0 && size(counts) > 0) {
        let offset = r.offset;
        pick.forEach((p, k) => {
          let at = 0;
          for (let q = 0; q < p; q++) at += segs[k]![q]!.len;
          offset += at * inner[k]!;
        });
        const shape = [...counts, ...extents];
        const builder = lowering.builder(shape, stageChunks(counts, extents), shape.map(() => 0));
        // a corner beyond the edges of several constant axes holds the last one's value: Dask (and
        // np.pad) pad axis after axis, each over the halos of the axes before it
        let fill: FillSegment | undefined;
        for (const seg of chosen) if (isFill(seg)) fill = seg;
        let value: Val;
        if (fill) value = run(builder.expr(constNode(fill.fill, dtype), { axes: shape.map(() => -1), steps: shape.map(() => 0), base: [] }));
        else {
          const ranges = chosen as { len: number; start: number; step: number }[];
          const access: Access = {
            axes: [...ranges.map((_, k) => k), ...ranges.map((_, k) => k)],
            steps: [...r.runs.map((x) => x.delta), ...ranges.map((s) => s.step)],
            base: ranges.map((s) => s.start),
          };
          value = run(builder.expr(node, access));
        }
        builder.finish(value, {
          reduce: ReduceCode.None,
          dtype: nativeDType(dtype),
          buffer,
          offset,
          strides: [...outer, ...inner],
          reduceAxes: shape.map(() => 0),
          ddof: 0,
        }, name);
      }
      let k = n - 1;
      while (k >= 0 && ++pick[k]! === segs[k]!.length) pick[k--] = 0;
      if (k < 0) break;
    }
    if (n === 0) break;
  }
  return layout;
}

/** Per axis, per output block: its extent, what trim removes in front, what is kept, and where the kept part goes. */
export interface OutAxisBlock {
  readonly len: number;
  readonly lo: number;
  readonly kept: number;
  readonly dst: number;
}

function outRunsOf(blocks: readonly OutAxisBlock[]): Run[] {
  const runs: Run[] = [];
  let b = 0;
  while (b < blocks.length) {
    const f = blocks[b]!;
    let count = 1;
    let delta = 0;
    while (b + count < blocks.length) {
      const x = blocks[b + count]!;
      if (x.len !== f.len || x.lo !== f.lo || x.kept !== f.kept) break;
      const d = x.dst - blocks[b + count - 1]!.dst;
      if (count > 1 && d !== delta) break;
      delta = d;
      count++;
    }
    runs.push({ first: b, count, delta, len: f.len });
    b += count;
  }
  return runs;
}

/** The layout of an output buffer whose blocks have these extents (per axis, per block). */
export function outLayout(axes: readonly (readonly OutAxisBlock[])[]): BlockedLayout {
  return layoutOf(axes.map(outRunsOf), axes.map((a) => a.map((b) => b.len))).layout;
}

/**
 * Stages copying the kept part of every block of `source` (a blocked buffer laid out by
 * `outLayout(axes)`) into `target`, row-major of `shape`.
 */
export function scatterBlocks(lowering: Lowering, source: ArrayBufferView, axes: readonly (readonly OutAxisBlock[])[], target: ArrayBufferView, shape: readonly number[], dtype: DType, name: string): void {
  const runsPerAxis = axes.map(outRunsOf);
  const { regions } = layoutOf(runsPerAxis, axes.map((a) => a.map((b) => b.len)));
  const rowStrides = contiguousStrides(shape);
  for (const r of regions) {
    const counts = r.runs.map((x) => x.count);
    const firsts = r.runs.map((x, k) => axes[k]![x.first]!);
    const kept = firsts.map((f) => f.kept);
    if (size(counts) === 0 || size(kept) === 0) continue;
    const inner = contiguousStrides(r.runs.map((x) => x.len));
    const outer = contiguousStrides(counts).map((s) => s * r.blockElems);
    const view: MemoryNode = {
      kind: 'memory',
      id: newId(),
      name: 'blocks',
      op: 'array',
      shape: [...counts, ...kept],
      dtype,
      chunks: stageChunks(counts, kept),
      memory: source,
      strides: [...outer, ...inner],
      offset: r.offset + firsts.reduce((o, f, k) => o + f.lo * inner[k]!, 0),
      state: { disposed: false },
    };
    const shapeHere = [...counts, ...kept];
    const builder = lowering.builder(shapeHere, stageChunks(counts, kept), shapeHere.map(() => 0));
    const n = counts.length;
    const value = run(builder.expr(view, { axes: shapeHere.map((_, k) => k), steps: shapeHere.map(() => 1), base: shapeHere.map(() => 0) }));
    builder.finish(value, {
      reduce: ReduceCode.None,
      dtype: nativeDType(dtype),
      buffer: lowering.buffer(target),
      offset: firsts.reduce((o, f, k) => o + f.dst * rowStrides[k]!, 0),
      strides: [...r.runs.map((x, k) => x.delta * rowStrides[k]!), ...rowStrides.slice(0, n)],
      reduceAxes: shapeHere.map(() => 0),
      ddof: 0,
    }, name);
  }
}
