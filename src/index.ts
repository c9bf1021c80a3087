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
export type { DType } from './array/node.js';
export {
  add, sub, mul, div, pow, maximum, minimum, neg, abs, exp, log, sqrt, sin, cos, transpose,
  sum, prod, min, max, mean, variance as var, variance, std,
} from './array/ufuncs.js';
export { compute, persist } from './compute.js';
export { fromDelayed, type FromDelayedOptions } from './array/from-delayed.js';
export {
  Delayed, delayed, isDelayed, computeDelayed, computeDelayedWith, TaskError, toDelayed,
  configureWorkerPool, shutdownWorkers, type DelayedFunction, type DelayedOptions, type DelayedTuple,
  type MaybeDelayed, type MaybeDelayedArgs, type ComputedValue, type DelayedComputeOptions, type ChunkData,
} from './delayed/index.js';
export { visualize, toDot, type VisualizeOptions, type VisualizeFormat, type RankDir } from './visualize/index.js';
export { ProgressBar, Profiler, profile, type TaskRecord, type ChromeTrace, type ProgressBarOptions } from './diagnostics/index.js';
export { configure, getConfig, type Config } from './config.js';
export type { ComputeOptions, TaskGraph, GraphNode, LayerInfo, HasGraph } from './graph/types.js';
export {
  execute, exportPlan, toPlan, validatePlan, planOutputNames, iterChunks,
  fromNdarray, fromStdlib, fromStrided, toNdarray, toStdlib, PLAN_FORMAT, PLAN_VERSION, PLAN_LIMITS,
  type Plan, type PlanBuffer, type PlanStage, type PlanLeaf, type PlanSink, type PlanInstr, type PlanOp, type PlanReduce,
  type PlanNumber, type PlanInputs, type ToPlanOptions, type ExportedPlan, type ExecuteOptions, type DecodeOptions,
  type ChunkResult, type IterChunksOptions, type ScijsNdarrayLike, type StdlibNdarrayLike, type StridedOptions,
} from './embed/index.js';
export { toArrowBatches, toArrowTable, fromArrow, ARROW_INDEX_KEY, type ToArrowOptions, type FromArrowOptions } from './embed/index.js';
export {
  DataFrame, Series, Lazy, Describe, Table, StringDict, readCsv, datasets,
  type DescribeOptions, type DType as DataFrameDType, type ReadCsvOptions, type ToCsvOptions, type TimeseriesOptions,
} from './dataframe/index.js';
export {
  startDashboard, DashboardEventHub, schedulerEventSource,
  type Dashboard, type DashboardOptions, type DashboardAuth, type DashboardEvent, type DashboardEventSource,
} from './dashboard/index.js';
export { Client, RemoteArray, type ClientOptions, type ModuleFunctionRef } from './distributed/client.js';
