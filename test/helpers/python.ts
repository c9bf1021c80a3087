// Debian's Python with NumPy (and zarr, dask) for round trips against the reference libraries:
// tests that need it are skipped with a visible reason when it is missing.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const PY = '/usr/bin/python3';

function probe(modules: string): boolean {
  if (!existsSync(PY)) return false;
  return spawnSync(PY, ['-c', `import ${modules}`], { encoding: 'utf8' }).status === 0;
}

export const hasNumpy = probe('numpy');
export const hasZarr = probe('numpy, zarr, numcodecs');
export const hasDask = probe('numpy, dask.array, zarr');

/** Run a Python snippet with /usr/bin/python3; returns stdout; throws with stderr on failure. */
export function python(code: string, args: readonly string[] = []): string {
  const r = spawnSync(PY, ['-c', code, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`python failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

export function skipReason(what: string): string {
  return `${what}: /usr/bin/python3 with it is not installed (apt-get install python3-numpy python3-zarr python3-dask)`;
}
