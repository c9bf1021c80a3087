// Decode: an untrusted value (e.g. straight from JSON.parse) → a checked native plan. The first
// line of defence against malformed or hostile plans; native/engine/validate.cc (validatePlan) is
// the second. Every error names its JSON path; checks run in a fixed order (header, buffers,
// outputs, stages in order, outputs written), which decides the error a bad plan gets.
import { materializeLimit } from '../../settings.js';
import type { NativePlan } from '../types.js';
import { arr, checkName, dtype, int, intList, isRecord, obj, rangeErr, show, typeErr } from './check.js';
import { PLAN_FORMAT, PLAN_LIMITS, PLAN_VERSION, type PlanBuffer } from './format.js';
import { itemBytes } from './codes.js';
import { SAFE } from './geometry.js';
import { decodeStage, type StageContext } from './decode-stage.js';

/** A checked plan, ready to run: the native plan plus what each buffer must be. */
export interface DecodedPlan {
  native: NativePlan;
  buffers: PlanBuffer[];
  outputs: number[];
  stageNames: string[];
  stageTasks: number[];
  /** Sum over stages of iteration-space sizes. */
  elements: number;
  /** Bytes execute() allocates for outputs and scratch. */
  allocBytes: number;
}

/**
 * Work and memory budgets for an untrusted plan (used by {@link validatePlan} and
 * {@link execute}): a plan over either is refused with a RangeError before anything runs.
 */
export interface DecodeOptions {
  /** Refuse plans whose stages iterate over more elements than this in total (default 2^48). */
  maxElements?: number;
  /** Refuse plans whose outputs and scratch need more bytes than this (default: configure({ materializeLimit })). */
  maxBytes?: number;
}

/** Check an untrusted plan (e.g. straight from JSON.parse) and translate it for the engine. */
export function decodePlan(value: unknown, options: DecodeOptions = {}): DecodedPlan {
  const maxElements = options.maxElements ?? PLAN_LIMITS.defaultMaxElements;
  const maxBytes = options.maxBytes ?? materializeLimit();
  const p = decodeHeader(value);
  const { buffers, allocBytes } = decodeBuffers(p.buffers, maxBytes);
  const outputs = decodeOutputs(p.outputs, buffers);

  const ctx: StageContext = { buffers, written: new Set(), maxElements, elements: 0 };
  const stageNames: string[] = [];
  const stageTasks: number[] = [];
  const stages = arr('plan.stages', p.stages, PLAN_LIMITS.maxStages).map((raw, s) => {
    const { stage, name, tasks } = decodeStage(raw, s, ctx);
    stageNames.push(name);
    stageTasks.push(tasks);
    return stage;
  });
  for (const b of outputs) if (!ctx.written.has(b)) throw rangeErr(`plan.buffers[${b}]`, `output ${show((buffers[b] as { name: string }).name)} is never written by a stage`);
  return { native: { stages }, buffers, outputs, stageNames, stageTasks, elements: ctx.elements, allocBytes };
}

/** Throws (TypeError/RangeError naming the JSON path) when `plan` is not a valid plan. */
export function validatePlan(plan: unknown, options?: DecodeOptions): void {
  decodePlan(plan, options);
}

/** The top-level object: its fields, format and version. */
function decodeHeader(value: unknown): Record<string, unknown> {
  const p = obj('plan', value, ['format', 'version', 'buffers', 'stages', 'outputs', 'meta'], ['format', 'version', 'buffers', 'stages', 'outputs']);
  if (p.format !== PLAN_FORMAT) {
    if (typeof p.format !== 'string') throw typeErr('plan.format', `"${PLAN_FORMAT}"`, p.format);
    throw rangeErr('plan.format', `${show(p.format)} is not a tessera plan (expected "${PLAN_FORMAT}")`);
  }
  if (typeof p.version !== 'number') throw typeErr('plan.version', 'an integer', p.version);
  if (p.version !== PLAN_VERSION) throw rangeErr('plan.version', `unsupported version ${show(p.version)} (this tessera reads version ${PLAN_VERSION})`);
  if (p.meta !== undefined && !isRecord(p.meta)) throw typeErr('plan.meta', 'an object', p.meta);
  return p;
}

/** The buffer table, and the bytes its outputs and scratch need (refused over maxBytes). */
export function decodeBuffers(value: unknown, maxBytes: number): { buffers: PlanBuffer[]; allocBytes: number } {
  const inputNames = new Set<string>();
  const outputNames = new Set<string>();
  const uniqueName = (path: string, raw: unknown, names: Set<string>, what: string): string => {
    const name = checkName(path, raw);
    if (names.has(name)) throw rangeErr(path, `${what} name ${show(name)} is used twice`);
    names.add(name);
    return name;
  };
  let allocBytes = 0;
  const buffers = arr('plan.buffers', value, PLAN_LIMITS.maxBuffers).map((raw, i): PlanBuffer => {
    const path = `plan.buffers[${i}]`;
    if (!isRecord(raw)) throw typeErr(path, 'an object', raw);
    const role = raw.role;
    if (role === 'input') {
      const b = obj(path, raw, ['role', 'name', 'dtype', 'length'], ['name', 'dtype', 'length']);
      const name = uniqueName(`${path}.name`, b.name, inputNames, 'input');
      return { role, name, dtype: dtype(`${path}.dtype`, b.dtype), length: int(`${path}.length`, b.length, 0, SAFE) };
    }
    if (role === 'output') {
      const b = obj(path, raw, ['role', 'name', 'dtype', 'shape'], ['name', 'dtype', 'shape']);
      const name = uniqueName(`${path}.name`, b.name, outputNames, 'output');
      const dt = dtype(`${path}.dtype`, b.dtype);
      const shape = intList(`${path}.shape`, b.shape, undefined, 0, SAFE);
      const n = shape.reduce((x, y) => x * y, 1);
      const bytes = Math.max(n, 1) * itemBytes(dt);
      if (!(bytes <= maxBytes)) throw rangeErr(`${path}.shape`, `[${shape.join(', ')}] needs ${bytes} bytes, over the limit of ${maxBytes} (configure({ materializeLimit }) or execute's maxBytes)`);
      allocBytes += bytes;
      return { role, name, dtype: dt, shape };
    }
    if (role === 'scratch') {
      const b = obj(path, raw, ['role', 'dtype', 'length'], ['dtype', 'length']);
      const dt = dtype(`${path}.dtype`, b.dtype);
      const length = int(`${path}.length`, b.length, 0, SAFE);
      allocBytes += length * itemBytes(dt);
      return { role, dtype: dt, length };
    }
    if (typeof role !== 'string') throw typeErr(`${path}.role`, '"input", "output" or "scratch"', role);
    throw rangeErr(`${path}.role`, `unknown role ${show(role)} (accepted: input, output, scratch)`);
  });
  if (!(allocBytes <= maxBytes)) throw rangeErr('plan.buffers', `outputs and scratch need ${allocBytes} bytes, over the limit of ${maxBytes}`);
  return { buffers, allocBytes };
}

/** plan.outputs: indices of output buffers, in the order execute() returns them. */
export function decodeOutputs(value: unknown, buffers: readonly PlanBuffer[]): number[] {
  return arr('plan.outputs', value, PLAN_LIMITS.maxBuffers).map((x, i) => {
    const b = int(`plan.outputs[${i}]`, x, 0, buffers.length - 1);
    if (buffers[b]!.role !== 'output') throw rangeErr(`plan.outputs[${i}]`, `buffer ${b} has role ${show(buffers[b]!.role)}, not "output"`);
    return b;
  });
}
