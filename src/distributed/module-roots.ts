// Which task modules a worker may import. A task names a module by URL; importing whatever URL
// arrives would let anyone who can publish a task run any code on every worker (`node:child_process`,
// `data:` URLs, any file). So a worker imports only `file:` modules that, after resolving symlinks,
// lie inside the roots it was started with (`tessera worker --modules DIR`; default: its working
// directory).
import { realpathSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export class ModuleRoots {
  /** Real paths (symlinks resolved) of the allowed directories. */
  readonly roots: readonly string[];

  constructor(dirs: readonly string[]) {
    if (!Array.isArray(dirs) || dirs.length === 0 || !dirs.every((d) => typeof d === 'string' && d.length > 0)) {
      throw new TypeError('modules: expected a non-empty array of directory paths');
    }
    this.roots = dirs.map((d) => {
      let real: string;
      try {
        real = realpathSync(resolve(d));
      } catch {
        throw new RangeError(`modules: the module root ${d} does not exist`);
      }
      if (!statSync(real).isDirectory()) throw new RangeError(`modules: the module root ${d} is not a directory`);
      return real;
    });
  }

  /**
   * The `file:` URL of the real file `url` names, if it lies inside a root; otherwise an Error
   * naming the URL and the allowed roots.
   */
  resolve(url: string): string {
    const refuse = (why: string): Error =>
      new Error(`refused to load module ${url}: ${why}; this worker loads only file: modules under ${this.roots.join(', ')} (tessera worker --modules DIR)`);
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw refuse('not a URL');
    }
    if (parsed.protocol !== 'file:') throw refuse(`${parsed.protocol} URLs are never loaded`);
    let real: string;
    try {
      real = realpathSync(fileURLToPath(parsed));
    } catch {
      throw refuse('no such file');
    }
    const inside = this.roots.some((root) => {
      const rel = relative(root, real);
      return rel !== '' && rel !== '..' && !rel.startsWith('..' + sep) && !isAbsolute(rel);
    });
    if (!inside) throw refuse(real === fileURLToPath(parsed) ? 'outside the module roots' : `it resolves to ${real}, outside the module roots`);
    return pathToFileURL(real).href;
  }
}
