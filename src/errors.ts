// Argument checking shared by every public entry point: errors name the argument and say what is
// accepted, as TypeError (wrong kind of value) or RangeError (right kind, unacceptable value).

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array (${JSON.stringify(value).slice(0, 60)})`;
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object') return `an object (${Object.prototype.toString.call(value)})`;
  return `${typeof value} ${String(value)}`;
}

export function checkInteger(name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number') {
    throw new TypeError(`${name} must be an integer in [${min}, ${max}], got ${describe(value)}`);
  }
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer in [${min}, ${max}], got ${describe(value)}`);
  }
  return value;
}

export function checkFinite(name: string, value: unknown): number {
  if (typeof value !== 'number') throw new TypeError(`${name} must be a finite number, got ${describe(value)}`);
  if (!Number.isFinite(value)) throw new RangeError(`${name} must be a finite number, got ${describe(value)}`);
  return value;
}

export function checkShape(name: string, shape: unknown): number[] {
  if (typeof shape === 'number') shape = [shape];
  if (!Array.isArray(shape)) {
    throw new TypeError(`${name} must be an array of non-negative integers (e.g. [100, 100]), got ${describe(shape)}`);
  }
  if (shape.length > 32) throw new RangeError(`${name} may have at most 32 dimensions, got ${shape.length}`);
  // An index loop, not map: map skips holes, so [, 2] would pass with a hole in it.
  const out: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    if (!(i in shape)) throw new TypeError(`${name}[${i}] is missing (a hole in the array); ${name} must be an array of non-negative integers`);
    out.push(checkInteger(`${name}[${i}]`, shape[i], 0));
  }
  let size = 1;
  for (const s of out) size *= s;
  if (size > Number.MAX_SAFE_INTEGER) throw new RangeError(`${name} ${JSON.stringify(out)} has more than 2^53 elements`);
  return out;
}

export function checkOptions(name: string, options: unknown): Record<string, unknown> {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`${name} must be an options object, got ${describe(options)}`);
  }
  return options as Record<string, unknown>;
}

export function abortError(reason?: unknown): Error {
  if (reason instanceof Error) return reason;
  const err = new Error(reason === undefined ? 'The compute was aborted' : `The compute was aborted: ${String(reason)}`);
  err.name = 'AbortError';
  return err;
}
