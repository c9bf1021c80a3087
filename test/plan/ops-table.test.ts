// The operation table has one definition, native/engine/ops.json. This test fails when a committed
// generated file (the C++ X-macros, the TS constants) is stale, or when the compiled addon — what
// the engine's enums, validator and kernel dispatch were actually built from — disagrees with it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generate, paths } from '../../scripts/gen-ops.mjs';
import { native, type NativeStage } from '../../src/native.js';

interface TableRow { code: number; cname: string; plan: string }
interface OpRow extends TableRow { arity: number; kernel: string | null }
interface DTypeRow { code: number; cname: string; name: string; size: number }
interface Limit { value: number; cname: string; doc: string }
interface OpsJson {
  ops: (OpRow & { numpy: string | null; signatures: string[] })[];
  reductions: (TableRow & { identity: number | string | null })[];
  leafKinds: TableRow[];
  stageKinds: TableRow[];
  dtypes: (DTypeRow & { char: string })[];
  limits: Record<string, Limit>;
}
/** What the addon's opTable() returns (not part of the public NativeAddon surface). */
interface CompiledTable {
  ops: OpRow[];
  reductions: TableRow[];
  leafKinds: TableRow[];
  stageKinds: TableRow[];
  dtypes: DTypeRow[];
  limits: Record<string, number>;
}

const table = JSON.parse(readFileSync(paths.table, 'utf8')) as OpsJson;

describe('operation table', () => {
  it('the committed generated files are what scripts/gen-ops.mjs makes of ops.json', () => {
    const out = generate(table);
    expect(readFileSync(paths.header, 'utf8')).toBe(out.header);
    expect(readFileSync(paths.ts, 'utf8')).toBe(out.ts);
  });

  it('the compiled addon agrees with ops.json', () => {
    const compiled = (native() as unknown as { opTable(): CompiledTable }).opTable();
    expect(compiled.ops).toEqual(table.ops.map(({ code, cname, plan, arity, kernel }) => ({ code, cname, plan, arity, kernel })));
    expect(compiled.reductions).toEqual(table.reductions.map(({ code, cname, plan }) => ({ code, cname, plan })));
    expect(compiled.leafKinds).toEqual(table.leafKinds.map(({ code, cname, plan }) => ({ code, cname, plan })));
    expect(compiled.stageKinds).toEqual(table.stageKinds);
    expect(compiled.dtypes).toEqual(table.dtypes.map(({ code, cname, name, size }) => ({ code, cname, name, size })));
    expect(compiled.limits).toEqual(Object.fromEntries(Object.entries(table.limits).map(([k, l]) => [k, l.value])));
  });

  it('rejects an op code with no row, naming the accepted ones', () => {
    const out = new Float64Array(1);
    const stage: NativeStage = {
      shape: [1], chunks: [[1]], leaves: [], imms: new Float64Array([1]), nregs: 1, result: 0,
      // 8 lies between the unary and the binary codes: no row
      program: new Int32Array([8, 0, -1, 0]),
      sink: { reduce: 0, dtype: 0, buffer: 0, offset: 0, strides: [0], reduceAxes: [0], ddof: 0 },
    };
    expect(() => native().execute({ stages: [stage] }, [out])).toThrow(
      /program\[0\]\.op: 8 unknown \(accepted: 0 Load, 1 Neg, 2 Abs, .*, 16 Add, .*, 22 Min, 32 Square, .*, 79 Where, 80 BitwiseAnd, .*, 85 RightShift\)/,
    );
  });
});
