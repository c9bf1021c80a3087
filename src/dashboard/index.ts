// Live dashboard: task stream, progress, memory per worker, graph; JSON and Prometheus metrics.
export { startDashboard, DEFAULT_DASHBOARD_PORT, isLoopback, type Dashboard, type DashboardOptions, type DashboardAuth } from './server.js';
export { LocalDashboardSource, planGraph, localProgress, resultBytes, LOCAL_WORKER_ID, type LocalSourceOptions } from './local.js';
export { DashboardState, DURATION_BUCKETS, type Snapshot, type WorkerState, type ComputeState, type ComputeSummary, summarizeCompute, type GroupSummary, type WireTask } from './state.js';
export {
  DashboardEventHub,
  type DashboardEvent,
  type DashboardEventSource,
  type WorkerEvent,
  type WorkerRemovedEvent,
  type ComputeStartEvent,
  type ProgressEvent,
  type ReleaseEvent,
  type TasksEvent,
  type TaskBatchEvent,
  type TaskRecordEvent,
  type ComputeEndEvent,
  type GroupCounts,
  type GroupSpec,
  type TaskKind,
} from './events.js';
export { schedulerEventSource, type EventEmitterLike, type SchedulerEventPayloads, type SchedulerWorkerInfo } from './scheduler-source.js';
