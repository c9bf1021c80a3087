// Checked only against the packed tarball's .d.ts (scripts/pack-check.mjs): members marked
// @internal are stripped from the declarations (tsconfig stripInternal), so using them is an error.
import { ones, type Client, type DataFrame } from 'tessera';

declare function value<T>(): T;

export function internals(): void {
  const a = ones([2]);
  // ---- internals are not part of the .d.ts (stripInternal)
  const df = value<DataFrame>();
  // @ts-expect-error @internal
  void df.frameLayers;
  // @ts-expect-error @internal
  void df.loadPartitions;
  // @ts-expect-error @internal
  void df.stats;
  const client = value<Client>();
  // @ts-expect-error @internal
  void client.fetchOutput;
  // @ts-expect-error @internal
  void client.release;
  // @ts-expect-error @internal
  void a.node;

}
