// Process-wide settings: thread count, the materialization limit and Dask's 'auto' chunk size.
import { checkInteger, checkOptions, describe } from './errors.js';
import { native } from './native.js';
import { settings } from './settings.js';

/** Process-wide settings ({@link configure}, {@link getConfig}). */
export interface Config {
  /** Native worker threads (default: TESSERA_NUM_THREADS, else all cores). */
  numThreads: number;
  /** Largest result, in bytes, that compute() materializes into one ArrayBuffer (default 2 GiB). */
  materializeLimit: number;
  /** Target chunk size in bytes for chunks: 'auto' (default 128 MiB, as Dask's array.chunk-size). */
  chunkSize: number;
}


/** The current settings (numThreads as the native pool has it). */
export function getConfig(): Config {
  return { numThreads: native().getNumThreads(), ...settings };
}

/**
 * Change settings for this process: `configure({ numThreads: 4, materializeLimit: 2 ** 30 })`.
 * Unknown keys are a TypeError; returns the settings now in force.
 */
export function configure(options: Partial<Config>): Config {
  const o = checkOptions('configure(options)', options);
  for (const key of Object.keys(o)) {
    if (!['numThreads', 'materializeLimit', 'chunkSize'].includes(key)) {
      throw new TypeError(`configure: unknown option ${describe(key)}; accepted: numThreads, materializeLimit, chunkSize`);
    }
  }
  if (o.numThreads !== undefined) native().setNumThreads(checkInteger('numThreads', o.numThreads, 1, 1024));
  if (o.materializeLimit !== undefined) settings.materializeLimit = checkInteger('materializeLimit', o.materializeLimit, 0);
  if (o.chunkSize !== undefined) settings.chunkSize = checkInteger('chunkSize', o.chunkSize, 1);
  return getConfig();
}
