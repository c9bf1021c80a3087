// Ufunc loop resolution, as NumPy's default type resolver: an operation runs the first loop of its
// ops.json row (signatures, in NumPy's type order ? b B h H i I l L f d) to which every array
// operand casts safely (with a weak JS scalar: to which the operands' common dtype casts safely) — so `exp` of int16 runs the float32 loop, of int32 the float64 one,
// of int8/uint8/bool the float32 one (NumPy's would be float16, which tessera does not have), and
// an operation with no such loop (`bitwiseAnd` of floats) is a TypeError naming the operation, the
// dtype and the accepted dtypes. True division is NumPy's special case: integers divide in float64.
// The engine resolves the same loop from the cast operands (native/engine/typing.h).
import { OPS, DTYPES as NATIVE_DTYPES } from '../plan/ops.generated.js';
import { canCast, resultType, trueDivideType, type DType, type Operand } from './dtype.js';

const BY_CHAR = new Map<string, DType>(NATIVE_DTYPES.map((d) => [d.char, d.name as DType]));
const REDUCE_NAMED = new Set(['max', 'min']);

interface LoopSig {
  readonly input: DType;  // every input of the loop (one dtype: the table's loops are homogeneous)
  readonly output: DType;
}

/** The loops of an op, by its array name (maximum/minimum are the rows named max/min). */
const LOOPS = new Map<string, LoopSig[]>();
for (const row of OPS) {
  const name = REDUCE_NAMED.has(row.plan) && row.numpy ? row.numpy : row.plan;
  LOOPS.set(
    name,
    (row.signatures as readonly string[]).map((s) => {
      const [ins, out] = s.split('->') as [string, string];
      return { input: BY_CHAR.get(ins[ins.length - 1]!)!, output: BY_CHAR.get(out)! };
    }),
  );
}

/** The dtypes an op accepts (its loops' inputs), for error messages. */
export function acceptedDTypes(op: string): DType[] {
  return (LOOPS.get(op) ?? []).map((l) => l.input);
}

/**
 * The loop `op` runs for these operands (arrays' dtypes and weak JS scalars): the dtype its inputs
 * are cast to and the dtype of its result.
 */
export function resolveLoop(op: string, operands: readonly Operand[]): LoopSig {
  const loops = LOOPS.get(op);
  if (!loops) throw new Error(`unknown op ${op}`);
  const common = op === 'div' ? trueDivideType(...operands) : resultType(...operands);
  if (common === 'bool' && (op === 'sub' || op === 'neg')) {
    throw new TypeError(`${op}: dtype bool is not accepted (NumPy: boolean subtract/negative are not supported; use logicalXor / logicalNot, or astype an integer dtype first)`);
  }
  // Arrays only (no weak scalar): NumPy's linear search, the first loop to which every operand
  // casts safely, which for ops with only float loops is not always the common dtype's loop:
  // arctan2(int8, uint16) runs float32 (both cast to it), though int8 + uint16 is int32.
  const arrays = operands.filter((o): o is DType => typeof o === 'string');
  const loop = arrays.length === operands.length && arrays.length > 1 && op !== 'div'
    ? loops.find((l) => arrays.every((d) => canCast(d, l.input, 'safe')))
    : loops.find((l) => canCast(common, l.input, 'safe'));
  if (!loop) {
    throw new TypeError(`${op}: dtype ${common} is not accepted (accepted: ${[...new Set(acceptedDTypes(op))].join(', ')})`);
  }
  return loop;
}
