// Shared by the dataframe benches that time tessera beside nodejs-polars on the same rows: the
// medians, the process CPU time (every thread; the machine is shared, so CPU time says more
// than wall time) and a table of cases run in interleaved rounds.
import { cpuUsage } from 'node:process';

/** The median (the lower middle for an even count). */
export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

/** CPU ms (user + system of the whole process, every thread) and wall ms of fn. */
export async function timed<T>(fn: () => Promise<T> | T): Promise<{ cpu: number; wall: number; value: T }> {
  const c0 = cpuUsage();
  const w0 = performance.now();
  const value = await fn();
  const c = cpuUsage(c0);
  return { cpu: (c.user + c.system) / 1000, wall: performance.now() - w0, value };
}

/** A case: its label, tessera's run and Polars' (undefined when Polars is not installed); each returns the answer to print. */
export type Case<T> = [string, () => Promise<T>, (() => T) | undefined];

/** Runs every case `rounds` times (tessera then Polars, interleaved) and prints one table row a case: medians and ratios. */
export async function sideBySide<T>(cases: readonly Case<T>[], rounds: number): Promise<void> {
  console.log('| case | tessera CPU ms | (wall) | polars CPU ms | (wall) | polars / tessera CPU | (wall) | answers (tessera, polars) |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const [label, ours, theirs] of cases) {
    const t: { cpu: number[]; wall: number[] } = { cpu: [], wall: [] };
    const p: { cpu: number[]; wall: number[] } = { cpu: [], wall: [] };
    let a: T | undefined;
    let b: T | undefined;
    for (let r = 0; r < rounds; r++) {
      const x = await timed(ours);
      t.cpu.push(x.cpu);
      t.wall.push(x.wall);
      a = x.value;
      if (theirs) {
        const y = await timed(theirs);
        p.cpu.push(y.cpu);
        p.wall.push(y.wall);
        b = y.value;
      }
    }
    const [tc, tw] = [median(t.cpu), median(t.wall)];
    const [pc, pw] = p.cpu.length ? [median(p.cpu), median(p.wall)] : [NaN, NaN];
    const f = (x: number): string => (Number.isNaN(x) ? '-' : x.toFixed(0));
    console.log(`| ${label} | ${f(tc)} | ${f(tw)} | ${f(pc)} | ${f(pw)} | ${(pc / tc).toFixed(2)}× | ${(pw / tw).toFixed(2)}× | ${String(a)}, ${String(b)} |`);
  }
}
