// The one cache of imported task modules on this thread, by URL: delayed computes on the main
// thread and distributed workers import module functions through it. (Pool worker threads have
// their own, in worker-pool.ts's worker source: a Map cannot cross threads.)
const modules = new Map<string, Promise<Record<string, unknown>>>();

/** The function `exportName` of the module at `url` (imported once); `shown` names it in errors. */
export async function importExport(url: string, exportName: string, shown: string = url): Promise<(...a: unknown[]) => unknown> {
  let mod = modules.get(url);
  if (!mod) modules.set(url, (mod = import(url) as Promise<Record<string, unknown>>));
  const fn = (await mod)[exportName];
  if (typeof fn !== 'function') throw new TypeError(`module ${shown} has no exported function "${exportName}"`);
  return fn as (...a: unknown[]) => unknown;
}
