// Chunk-sized buffers kept between computes. A streamed write (toZarr, store) and a chunked
// reduction over a store (fromZarr(…).sum()) each work in a few recycled chunk buffers; without
// this cache every call would fault its buffers in afresh (an 8 MB chunk is 2048 page faults and
// 8 MB of kernel zeroing: about a tenth of a 128 MB zstd read-sum's CPU), where Dask's chunks
// come from memory malloc already holds. The buffers a finished call gave back wait here, bounded
// (BUFFER_CACHE_MAX_BYTES; nothing under configure({ memoryLimit }), where only the compute's own
// memory may count) and dropped after a second without use, so an idle process holds none.
import { spillSettings } from './spill.js';

/** Bytes the cache holds at most (no memory limit configured). Internal; tests lower it. */
export const bufferCacheSettings = { maxBytes: 256 * 2 ** 20, idleMs: 1000 };

class BufferCache<B extends ArrayBufferLike> {
  private readonly free = new Map<number, B[]>();
  private held = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private used = 0;

  /** A cached buffer of exactly `bytes`, or undefined. */
  take(bytes: number): B | undefined {
    const list = this.free.get(bytes);
    const b = list?.pop();
    if (!b) return undefined;
    this.held -= bytes;
    this.used = Date.now();
    return b;
  }

  /** Keep `b` for a later call (the caller holds no reference to it any more), if it fits. */
  give(b: B): void {
    const cap = spillSettings.memoryLimit === null ? bufferCacheSettings.maxBytes : 0;
    if (b.byteLength === 0 || this.held + b.byteLength > cap) return;
    const list = this.free.get(b.byteLength);
    if (list) list.push(b);
    else this.free.set(b.byteLength, [b]);
    this.held += b.byteLength;
    this.used = Date.now();
    this.arm();
  }

  /** Bytes held (tests). */
  bytes(): number {
    return this.held;
  }

  clear(): void {
    this.free.clear();
    this.held = 0;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    if (this.timer) return;
    const tick = (): void => {
      this.timer = undefined;
      if (this.held === 0) return;
      const idle = Date.now() - this.used;
      if (idle >= bufferCacheSettings.idleMs) return this.clear();
      this.timer = setTimeout(tick, bufferCacheSettings.idleMs - idle);
      this.timer.unref?.();
    };
    this.timer = setTimeout(tick, bufferCacheSettings.idleMs);
    this.timer.unref?.();
  }
}

/** Box buffers of chunked reductions over stores (shared memory: a plan reads them in place). */
export const sharedBoxBuffers = new BufferCache<SharedArrayBuffer>();
/** Chunk buffers of streamed writes (plain ArrayBuffers, computed into by a region's plan). */
export const writeBuffers = new BufferCache<ArrayBuffer>();

/** Drop every cached buffer (configure({ memoryLimit }) does: under a limit the cache holds none). */
export function clearBufferCaches(): void {
  sharedBoxBuffers.clear();
  writeBuffers.clear();
}
