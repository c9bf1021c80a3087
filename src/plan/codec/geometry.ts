// Address arithmetic of strided leaves and sinks: where a stage reads and writes.
import { rangeErr } from './check.js';

export const SAFE = Number.MAX_SAFE_INTEGER;

/**
 * Affine address range of `offset + Σ c[k]·strides[k]` over `shape`: [lo, hi], or null for an empty
 * shape. Throws when |offset| + Σ |stride|·(n - 1) exceeds 2^53 (no real buffer is that large).
 */
export function addressRange(path: string, offset: number, strides: readonly number[], shape: readonly number[]): [number, number] | null {
  if (shape.some((n) => n === 0)) return null;
  let lo = offset;
  let hi = offset;
  let magnitude = Math.abs(offset);
  for (let k = 0; k < shape.length; k++) {
    const span = strides[k]! * (shape[k]! - 1);
    magnitude += Math.abs(span);
    if (span < 0) lo += span;
    else hi += span;
  }
  if (!(magnitude <= SAFE)) throw rangeErr(path, `address range |offset| + sum |stride|*(shape-1) exceeds 2^53 elements`);
  return [lo, hi];
}

/**
 * True when the map c ↦ Σ c[k]·strides[k] is one-to-one over `shape` restricted to `axes`
 * (sufficient test: sorted by |stride|, each stride exceeds the span of the smaller ones).
 */
export function injective(strides: readonly number[], shape: readonly number[], axes: readonly number[]): boolean {
  const dims = axes.filter((k) => shape[k]! > 1).map((k) => ({ s: Math.abs(strides[k]!), n: shape[k]! }));
  dims.sort((p, q) => p.s - q.s);
  let span = 0;
  for (const d of dims) {
    if (d.s <= span) return false;
    span += d.s * (d.n - 1);
  }
  return true;
}
