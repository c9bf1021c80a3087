// Shared comparison of the DataFrame runners: a tessera value against a pandas cell from
// common.py's cell() (missing null, 'Infinity' strings, bools as numbers or booleans).
export const norm = (v: unknown): unknown =>
  v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v === undefined ? null : typeof v === 'bigint' ? Number(v)
    : typeof v === 'number' && Number.isNaN(v) ? null : v instanceof Date ? v.toISOString() : v;
/** Equal as pandas means it: floats to 1e-12 relative, True === 1. */
export const eq = (a: unknown, b: unknown): boolean => {
  a = norm(a); b = norm(b);
  if (typeof a === 'number' && typeof b === 'number') return a === b || Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b));
  if (typeof a === 'boolean' && typeof b === 'number') return +a === b;
  if (typeof b === 'boolean' && typeof a === 'number') return +b === a;
  return a === b;
};
