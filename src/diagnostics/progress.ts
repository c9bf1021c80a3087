// Dask's ProgressBar for any compute: `[########################################] | 100% Completed | 1.2 ms`
import type { ComputeObserver, ComputeOptions } from '../graph/types.js';

/**
 * Options of {@link ProgressBar} (Dask's `ProgressBar(width=, dt=)`; `intervalMs` is Dask's `dt` in ms).
 * A width that is not a positive integer is a RangeError.
 */
export interface ProgressBarOptions {
  /** Where to draw (default process.stderr). Redraws in place only if `stream.isTTY`. */
  stream?: NodeJS.WritableStream & {
    /** True for a terminal: the bar redraws in place; otherwise one line is written at the end. */
    isTTY?: boolean;
  };
  /** Bar width in characters (default 40, like Dask). */
  width?: number;
  /** Minimum ms between redraws on a TTY (default 100, i.e. ≤ 10 Hz). */
  intervalMs?: number;
}

/** "1.2 ms", "340.5 us", "2.3 s", "1m 04.2s" (Dask's format_time, one decimal). */
export function formatElapsed(ms: number): string {
  if (ms < 1) return `${(ms * 1000).toFixed(1)} us`;
  if (ms < 1000) return `${ms.toFixed(1)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  const rest = s - m * 60;
  if (m < 60) return `${m}m ${rest.toFixed(1).padStart(4, '0')}s`;
  return `${Math.floor(m / 60)}hr ${String(m % 60).padStart(2, '0')}m`;
}

export function progressLine(done: number, total: number, elapsedMs: number, width = 40): string {
  const ratio = total > 0 ? Math.min(1, done / total) : 1;
  const filled = Math.floor(ratio * width);
  const bar = '#'.repeat(filled) + ' '.repeat(width - filled);
  return `[${bar}] | ${Math.floor(ratio * 100)}% Completed | ${formatElapsed(elapsedMs)}`;
}

/** Dask's ProgressBar: `[####…] | 100% Completed | 1.2 ms` on stderr (or `options.stream`) while a compute runs; `compute({ progress: true })` draws one. */
export class ProgressBar implements ComputeObserver {
  private readonly stream: NodeJS.WritableStream & { isTTY?: boolean };
  private readonly width: number;
  private readonly intervalMs: number;
  private t0 = 0;
  private done = 0;
  private total = 0;
  private lastDraw = -Infinity;
  private timer: NodeJS.Timeout | undefined;
  private finished = false;
  private lastLength = 0;

  constructor(options: ProgressBarOptions = {}) {
    this.stream = options.stream ?? process.stderr;
    this.width = options.width ?? 40;
    this.intervalMs = options.intervalMs ?? 100;
    if (!Number.isInteger(this.width) || this.width < 1)
      throw new RangeError(`ProgressBar: options.width must be a positive integer, got ${String(options.width)}`);
  }

  private get tty(): boolean {
    return this.stream.isTTY === true;
  }

  /**
   * Called by the compute when it starts with `total` tasks: resets the bar and, on a TTY, draws it
   * and keeps redrawing every `intervalMs` so the elapsed time moves.
   */
  start(total: number): void {
    this.t0 = performance.now();
    this.total = total;
    this.done = 0;
    this.finished = false;
    this.lastLength = 0;
    if (this.tty) {
      this.draw();
      // Keep the elapsed time moving while tasks run off the main thread.
      this.timer = setInterval(() => this.draw(), this.intervalMs);
      this.timer.unref();
    }
  }

  /**
   * Called by the compute as tasks finish: `done` of `total` (the total may grow); redraws on a TTY
   * at most every `intervalMs`.
   */
  update(done: number, total: number): void {
    this.done = done;
    this.total = total;
    if (this.tty && performance.now() - this.lastDraw >= this.intervalMs) this.draw();
  }

  finish(_error?: unknown): void {
    if (this.finished) return;
    this.finished = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const line = progressLine(this.done, this.total, performance.now() - this.t0, this.width);
    this.stream.write(this.tty ? `\r${this.pad(line)}\n` : `${line}\n`);
  }

  private draw(): void {
    this.lastDraw = performance.now();
    this.stream.write(`\r${this.pad(progressLine(this.done, this.total, this.lastDraw - this.t0, this.width))}`);
  }

  /** Blank out the rest of a longer previous line ("999.9 ms" → "1.0 s"). */
  private pad(line: string): string {
    const padded = line.padEnd(this.lastLength);
    this.lastLength = line.length;
    return padded;
  }
}

/** Combine observers into one (errors thrown by an observer never break the compute). */
export function combineObservers(observers: readonly ComputeObserver[]): ComputeObserver {
  const safe = (f: () => void): void => {
    try {
      f();
    } catch {
      /* an observer must not fail the compute */
    }
  };
  return {
    start: (total) => observers.forEach((o) => safe(() => o.start(total))),
    update: (done, total) => observers.forEach((o) => safe(() => o.update(done, total))),
    finish: (error) => observers.forEach((o) => safe(() => o.finish(error))),
  };
}

/**
 * The observer for a compute's options: a ProgressBar on stderr if `progress`, the `onProgress`
 * callback, and any extra observers. Every compute (local, distributed) should call this.
 */
export function observersFor(options: ComputeOptions & { observers?: readonly ComputeObserver[] } = {}): ComputeObserver {
  const list: ComputeObserver[] = [];
  if (options.progress !== undefined && typeof options.progress !== 'boolean')
    throw new TypeError(`options.progress must be a boolean, got ${String(options.progress)}`);
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function')
    throw new TypeError(`options.onProgress must be a function (done, total) => void, got ${String(options.onProgress)}`);
  if (options.progress) list.push(new ProgressBar());
  const cb = options.onProgress;
  if (cb) list.push({ start: (total) => cb(0, total), update: (done, total) => cb(done, total), finish: () => {} });
  if (options.observers) list.push(...options.observers);
  return combineObservers(list);
}
