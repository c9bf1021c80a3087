// The process-wide settings that the compiler and the plan reader consult. They live apart from
// config.ts (which also sets the native thread count) so that nothing here imports the addon.
export const settings = {
  /** Largest result, in bytes, that compute() materializes into one ArrayBuffer (default 2 GiB). */
  materializeLimit: 2 * 1024 ** 3,
  /** Target chunk size in bytes for chunks: 'auto' (default 128 MiB, as Dask's array.chunk-size). */
  chunkSize: 128 * 1024 ** 2,
};

export function materializeLimit(): number {
  return settings.materializeLimit;
}

export function autoChunkBytes(): number {
  return settings.chunkSize;
}
