// Python's slice object for x.get(...): JS has no `x[0:10:2]`, so the three numbers travel in a Slice.
import { describe } from '../../errors.js';

/** One slice bound or step: an integer, or null for "the default" (Python's None). */
export type SliceBound = number | null;

/** An immutable `start:stop:step` like Python's `slice`; null fields take NumPy's defaults. */
export class Slice {
  /**
   * @param start first index (null: 0, or the last element for a negative step)
   * @param stop the index to stop before (null: the end, or before the first element for a
   *   negative step); negative counts from the end, out-of-range values clip, as Python's
   * @param step the stride (null: 1); negative walks backwards; 0 is a RangeError
   */
  constructor(readonly start: SliceBound, readonly stop: SliceBound, readonly step: SliceBound) {
    checkBound('start', start);
    checkBound('stop', stop);
    checkBound('step', step);
    if (step === 0) throw new RangeError('slice step cannot be zero: use a non-zero integer or null (= 1)');
  }

  /** Python's repr-like `start:stop:step` (empty fields for null). */
  toString(): string {
    const f = (b: SliceBound): string => (b === null ? '' : String(b));
    return `${f(this.start)}:${f(this.stop)}${this.step === null ? '' : `:${this.step}`}`;
  }
}

function checkBound(name: string, value: unknown): void {
  if (value === null) return;
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    const err = typeof value === 'number' ? RangeError : TypeError;
    throw new err(`slice ${name} must be a safe integer or null/undefined (= default), got ${describe(value)}`);
  }
}

const orNull = (b: SliceBound | undefined): SliceBound => (b === undefined ? null : b);

/**
 * `slice(stop)`, `slice(start, stop)` or `slice(start, stop, step)` — Python's argument order:
 * one argument is the stop, as `slice(10)` is `:10`. null/undefined mean NumPy's defaults;
 * `slice()` is `:`. A zero step is a RangeError, a non-integer bound a TypeError/RangeError.
 */
export function slice(...args: [] | [SliceBound | undefined] | [SliceBound | undefined, SliceBound | undefined, (SliceBound | undefined)?]): Slice {
  if (args.length > 3) throw new TypeError(`slice takes at most 3 arguments (start, stop, step), got ${args.length}`);
  if (args.length <= 1) return new Slice(null, orNull(args[0]), null);
  return new Slice(orNull(args[0]), orNull(args[1]), orNull(args[2]));
}
