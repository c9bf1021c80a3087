// Decode: an untrusted value (e.g. straight from JSON.parse) → a checked native plan. The first
// line of defence against malformed or hostile plans; native/engine/validate.cc (validatePlan) is
// the second. Every error names its JSON path; checks run in a fixed order (header, buffers,
// outputs, stages in order, outputs written), which decides the error a bad plan gets.
import { materializeLimit } from '../../settings.js';
import type { NativePlan } from '../types.js';
import { arr, checkName, dtype, int, intList, isRecord, obj, rangeErr, show, typeErr } from './check.js';
import { MAX_CONSTANT_ELEMENTS, PLAN_FORMAT, PLAN_LIMITS, PLAN_VERSION, type PlanBuffer, type PlanNumber } from './format.js';
import { decodeNumber, encodeNumber } from './numbers.js';
import type { PlanDType } from './codes.js';
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
    if (role === 'constant') {
      const b = obj(path, raw, ['role', 'dtype', 'values'], ['dtype', 'values']);
      const dt = dtype(`${path}.dtype`, b.dtype);
      if (dt === 'int64' || dt === 'uint64') throw rangeErr(`${path}.dtype`, `${dt}: a constant holds floats or integers of at most 32 bits (64-bit data is an input)`);
      const values = arr(`${path}.values`, b.values, MAX_CONSTANT_ELEMENTS).map((v, j) => constantValue(`${path}.values[${j}]`, v, dt));
      allocBytes += values.length * itemBytes(dt);
      return { role, dtype: dt, values };
    }
    if (role === 'scratch') {
      const b = obj(path, raw, ['role', 'dtype', 'length'], ['dtype', 'length']);
      const dt = dtype(`${path}.dtype`, b.dtype);
      const length = int(`${path}.length`, b.length, 0, SAFE);
      allocBytes += length * itemBytes(dt);
      return { role, dtype: dt, length };
    }
    if (typeof role !== 'string') throw typeErr(`${path}.role`, '"input", "output", "constant" or "scratch"', role);
    throw rangeErr(`${path}.role`, `unknown role ${show(role)} (accepted: input, output, constant, scratch)`);
  });
  if (!(allocBytes <= maxBytes)) throw rangeErr('plan.buffers', `outputs and scratch need ${allocBytes} bytes, over the limit of ${maxBytes}`);
  return { buffers, allocBytes };
}

const INT_RANGE: Partial<Record<PlanDType, [number, number]>> = {
  bool: [0, 1], int8: [-128, 127], int16: [-32768, 32767], int32: [-(2 ** 31), 2 ** 31 - 1], uint8: [0, 255], uint16: [0, 65535], uint32: [0, 2 ** 32 - 1],
};

/** One element of a constant buffer: a plan number the dtype holds exactly (floats: any; float32 rounds). */
function constantValue(path: string, v: unknown, dt: PlanDType): PlanNumber {
  const x = decodeNumber(path, v);
  const range = INT_RANGE[dt];
  if (range && !(Number.isInteger(x) && x >= range[0] && x <= range[1])) throw rangeErr(path, `${show(v)} is not a ${dt} value (accepted: an integer in ${range[0]}..${range[1]})`);
  return encodeNumber(x);
}

/** plan.outputs: indices of output buffers, in the order execute() returns them. */
export function decodeOutputs(value: unknown, buffers: readonly PlanBuffer[]): number[] {
  return arr('plan.outputs', value, PLAN_LIMITS.maxBuffers).map((x, i) => {
    const b = int(`plan.outputs[${i}]`, x, 0, buffers.length - 1);
    if (buffers[b]!.role !== 'output') throw rangeErr(`plan.outputs[${i}]`, `buffer ${b} has role ${show(buffers[b]!.role)}, not "output"`);
    return b;
  });
}
