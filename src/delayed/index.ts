export {
  Delayed,
  delayed,
  collectionToDelayed,
  delayedGraph,
  isDelayed,
  taskNodeKey,
  type AnyFunction,
  type DelayedFunction,
  type DelayedOptions,
  type DelayedResult,
  type DelayedTuple,
  type MaybeDelayed,
  type MaybeDelayedArgs,
} from './delayed.js';
export { computeMany, TaskError, type DelayedComputeOptions } from './compute.js';
export { computeDelayed, computeDelayedWith, type ComputedValue } from './compute-values.js';
export { configureWorkerPool, shutdownWorkers, type WorkerPoolOptions, type WorkerPoolHandle } from './worker-pool.js';
export { toDelayed, fromDelayed, delayedChunkToArrayData, type ChunkData, type ChunkedArrayLike, type FloatData, type FloatDType, type NestedDelayedChunks } from './array.js';
export { tokenize } from './tokenize.js';
