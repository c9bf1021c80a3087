export { ProgressBar, observersFor, combineObservers, formatElapsed, progressLine, type ProgressBarOptions } from './progress.js';
export {
  Profiler,
  profile,
  profilersFor,
  recordNativeTasks,
  type TaskRecord,
  type RecordInput,
  type NativeTaskRecord,
  type RecordNativeOptions,
  type ChromeTrace,
  type ChromeTraceEvent,
  type ProfileJSON,
} from './profiler.js';
