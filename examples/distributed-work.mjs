// Module functions for examples/distributed.ts: the workers import this file by its URL
// (no code travels on the bus), so it must exist at the same path on every worker machine.
export function score(seed) {
  let x = seed >>> 0;
  let s = 0;
  for (let i = 0; i < 2_000_000; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    s += x / 2 ** 32;
  }
  return s / 2_000_000;
}

export function mean(values) {
  return values.reduce((a, b) => a + b, 0) / values.length;
}
