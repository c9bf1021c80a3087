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
export { computeDelayed, computeDelayedWith, computeMany, TaskError, type ComputedValue, type DelayedComputeOptions } from './compute.js';
export { configureWorkerPool, shutdownWorkers, type WorkerPoolOptions } from './worker-pool.js';
export { toDelayed, fromDelayed, delayedChunkToArrayData, type ChunkData, type ChunkedArrayLike, type FloatData, type FloatDType, type NestedDelayedChunks } from './array.js';
export { tokenize } from './tokenize.js';
