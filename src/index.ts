// tessera: Dask's model of parallel computing for Node.js, with a native core.
export { NDArray, type Computed, type ReduceOptions, type VarOptions, type ArgReduceOptions } from './array/ndarray.js';
export { DenseArray, type TypedData } from './array/dense.js';
export {
  cumsum,
  cumprod,
  nancumsum,
  nancumprod,
  median,
  quantile,
  percentile,
  type CumulativeOptions,
  type QuantileOptions,
} from './array/reductions/index.js';
export { ones, zeros, full, arange, fromArray, random, type CreationOptions, type RandomOptions, type FromArrayOptions } from './array/creation.js';
export type { ChunksSpec } from './array/chunks.js';
export { slice, Slice } from './array/indexing/slice.js';
export { concatenate, stack, hstack, vstack } from './array/indexing/join.js';
export { split, arraySplit, roll, pad, tile, diagonal, diff, reshape, ravel, squeeze, expandDims, swapaxes, moveaxis, flip, flipud, fliplr, broadcastTo } from './array/indexing/ops.js';
export { tri, tril, triu, eye, diag, repeat, fromFunction, type TriOptions } from './array/indexing/triangles.js';
export { take, computeChunkSizes, type TakeIndices } from './array/indexing/gather.js';
export type { IntegersOptions, ChoiceOptions, PermutationOptions } from './array/indexing/random-int.js';
export { empty, emptyLike, fullLike, onesLike, zerosLike, linspace, meshgrid, indices, type LinspaceOptions } from './array/indexing/create.js';
export type { IndexInput } from './array/indexing/parse.js';
export type { DType, TypedArrayOf, ElementOf, DTypeTypedArray } from './array/dtype.js';
export { DTYPES, type BigIntDType, type FloatDType, type TypedArrayMap } from './array/dtype.js';
export type {
  ComputeResult, PromoteTypes, WeakPromote, FloatResult, ArithmeticDType, TrueDivideDType, FloatFunctionDType, SumDType, MeanDType, RankOf, ReducedRank, OperandLike,
  ArangeDType, ArithmeticOf, TrueDivideOf, FloatFunctionOf, RankOfOperands, OperandRank, ScanRank, SubRank, WithDType, FromArrayDType, FromArrayRank, NumberClass, BroadcastRank, IsIntegerLiteral, DTypeOfData,
} from './array/types.js';
export type { Created } from './array/creation.js';
export {
  add, sub, mul, div, pow, maximum, minimum, fmax, fmin, neg, abs, exp, log, sqrt, sin, cos, transpose,
  square, reciprocal, sign, floor, ceil, trunc, rint, cbrt, tan, sinh, cosh, tanh, arcsin, arccos, arctan, arcsinh, arccosh, arctanh, exp2, expm1, log2, log10, log1p, deg2rad, rad2deg,
  arctan2, hypot, copysign, fmod, mod, floorDivide, remainder, round, clip, positive, where, isclose, allclose, arrayEqual, nanToNum, type IsCloseOptions,
  logicalNot, isnan, isinf, isfinite, signbit, eq, ne, lt, le, gt, ge, logicalAnd, logicalOr, logicalXor,
  bitwiseAnd, bitwiseOr, bitwiseXor, invert, leftShift, rightShift,
  sum, prod, min, max, mean, variance as var, variance, std,
} from './array/ufuncs.js';
export { compute, persist } from './compute.js';
export * as linalg from './array/linalg/index.js';
export { mapBlocks, blockwise, type BlockInfo, type BlockLocation, type Block, type BlockData, type BlockResult, type BlockFunction, type MapBlocksOptions, type BlockwiseOptions } from './array/blocks/map-blocks.js';
export { mapOverlap, type MapOverlapOptions, type Boundary } from './array/blocks/overlap.js';
export { reduction, type ReductionOptions, type ReductionFunction, type ReductionCallOptions } from './array/blocks/reduction.js';
export { matmul, dot, tensordot, inner, outer, vdot, trace, einsum, type TensordotOptions, type TraceOptions } from './array/linalg/products.js';
export { fromDelayed, type FromDelayedOptions } from './array/from-delayed.js';
export { fromSource, type ArraySourceSpec, type SourceBox } from './storage/source.js';
export { store, type ArrayTarget, type StoreOptions } from './storage/store.js';
export { toNpyStack, fromNpyStack, type ToNpyStackOptions } from './storage/npy-stack.js';
export { fromNpy, toNpy, loadNpy, saveNpy, fromNpz, toNpz, loadNpz, type FromNpyOptions, type ToNpyOptions, type ToNpzOptions, type NpyData } from './storage/npy.js';
export { fromZarr, toZarr, type FromZarrOptions, type ToZarrOptions, type ZarrCompressor } from './storage/zarr.js';
export {
  Delayed, delayed, isDelayed, computeDelayed, computeDelayedWith, TaskError, toDelayed,
  configureWorkerPool, shutdownWorkers, type WorkerPoolOptions, type WorkerPoolHandle, type DelayedFunction, type DelayedOptions, type DelayedTuple,
  type MaybeDelayed, type MaybeDelayedArgs, type ComputedValue, type DelayedComputeOptions, type ChunkData,
} from './delayed/index.js';
export { visualize, toDot, type VisualizeOptions, type VisualizeFormat, type RankDir } from './visualize/index.js';
export { ProgressBar, Profiler, profile, type TaskRecord, type ChromeTrace, type ProgressBarOptions } from './diagnostics/index.js';
export { configure, getConfig, type Config } from './config.js';
export type { ComputeOptions, TaskGraph, GraphNode, LayerInfo, HasGraph } from './graph/types.js';
export {
  execute, exportPlan, toPlan, validatePlan, planOutputNames, iterChunks,
  fromNdarray, fromStdlib, fromStrided, toNdarray, toStdlib, PLAN_FORMAT, PLAN_VERSION, PLAN_LIMITS,
  type Plan, type PlanBuffer, type PlanStage, type PlanStageKind, type PlanLeaf, type PlanSink, type PlanInstr, type PlanOp, type PlanReduce,
  type PlanNumber, type PlanImmediate, type PlanInputs, type ToPlanOptions, type ExportedPlan, type ExecuteOptions, type DecodeOptions,
  type ChunkResult, type IterChunksOptions, type ScijsNdarrayLike, type StdlibNdarrayLike, type StridedOptions,
} from './embed/index.js';
export { toArrowBatches, toArrowTable, fromArrow, ARROW_INDEX_KEY, type ToArrowOptions, type FromArrowOptions } from './embed/index.js';
export {
  DataFrame, Series, Lazy, Describe, Table, StringDict, readCsv, datasets,
  type DescribeOptions, type DType as DataFrameDType, type ReadCsvOptions, type ToCsvOptions, type TimeseriesOptions,
} from './dataframe/index.js';
export { GroupBy, type AggName, type AggSpec, type GroupByOptions, type GroupingOptions, type GroupByResult } from './dataframe/groupby.js';
export {
  concat, type ConcatOptions, type DropDuplicatesOptions, type RepartitionOptions, type ResetIndexOptions, type SampleOptions, type SetIndexOptions, type Division,
  Resampler, type MapPartitionsOptions, type PartitionColumns, type PartitionFunction, type PartitionInfo, type PartitionResultColumn,
} from './dataframe/index.js';
export { StringMethods, StringSplit, DatetimeFields, type MergeOptions, type JoinOptions, type ValueCountsOptions } from './dataframe/frame.js';
export type { CorrOptions, CovOptions } from './dataframe/aggregate.js';
export type { CellValue } from './dataframe/column.js';
export type { MapValue } from './dataframe/expr.js';
export type { ReplaceValue } from './dataframe/frame.js';
export type { How as MergeHow } from './dataframe/merge.js';
export {
  startDashboard, DashboardEventHub, schedulerEventSource,
  type Dashboard, type DashboardOptions, type DashboardAuth, type DashboardEvent, type DashboardEventSource,
} from './dashboard/index.js';
export { Client, RemoteArray, type ClientOptions, type ModuleFunctionRef } from './distributed/client.js';
