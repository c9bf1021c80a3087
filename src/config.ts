// Process-wide settings: thread count, the materialization limit and Dask's 'auto' chunk size.
import { checkInteger, checkOptions, describe } from './errors.js';
import { native } from './native.js';
import { settings } from './settings.js';
import { configureSpill, spillSettings } from './storage/spill.js';

/** Process-wide settings ({@link configure}, {@link getConfig}). */
export interface Config {
  /** Native worker threads (default: TESSERA_NUM_THREADS, else all cores). */
  numThreads: number;
  /** Largest result, in bytes, that compute() materializes into one ArrayBuffer (default 2 GiB). */
  materializeLimit: number;
  /** Target chunk size in bytes for chunks: 'auto' (default 128 MiB, as Dask's array.chunk-size). */
  chunkSize: number;
  /**
   * Memory for persisted chunks (bytes, or a string like '2GiB'); past it persist() spills least
   * recently used chunks to spillDirectory (docs/storage.md). Default null: no limit, no spilling.
   */
  memoryLimit: number | string | null;
  /** Where spilled chunks go (a per-process subdirectory is made; default: the OS temp dir). */
  spillDirectory: string;
}


/** The current settings (numThreads as the native pool has it). */
export function getConfig(): Config {
  return { numThreads: native().getNumThreads(), ...settings, memoryLimit: spillSettings.memoryLimit, spillDirectory: spillSettings.spillDirectory };
}

/**
 * Change settings for this process: `configure({ numThreads: 4, materializeLimit: 2 ** 30 })`.
 * Unknown keys are a TypeError; returns the settings now in force.
 */
export function configure(options: Partial<Config>): Config {
  const o = checkOptions('configure(options)', options);
  for (const key of Object.keys(o)) {
    if (!['numThreads', 'materializeLimit', 'chunkSize', 'memoryLimit', 'spillDirectory'].includes(key)) {
      throw new TypeError(`configure: unknown option ${describe(key)}; accepted: numThreads, materializeLimit, chunkSize, memoryLimit, spillDirectory`);
    }
  }
  if (o.numThreads !== undefined) native().setNumThreads(checkInteger('numThreads', o.numThreads, 1, 1024));
  if (o.materializeLimit !== undefined) settings.materializeLimit = checkInteger('materializeLimit', o.materializeLimit, 0);
  if (o.chunkSize !== undefined) settings.chunkSize = checkInteger('chunkSize', o.chunkSize, 1);
  configureSpill(o);
  return getConfig();
}
