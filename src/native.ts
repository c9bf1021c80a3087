// The thin boundary to the N-API addon (native/binding/addon.cc): loading it and its interface. Everything
// the TypeScript side sends to C++ goes through `execute`: one call per compute, carrying the whole
// plan (src/plan/types.ts; native/engine/plan.h for the semantics of every field).
import { createRequire } from 'node:module';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NativePlan } from './plan/types.js';

// The plan types and codes live in src/plan/ (generated from native/engine/ops.json); re-exported
// here so callers that import them from the addon boundary keep working.
export {
  ImmKind,
  LeafKind,
  NativeDType,
  OpCode,
  ReduceCode,
  type NativeLeaf,
  type NativePlan,
  type NativeSink,
  type NativeStage,
} from './plan/types.js';

/** Native memory outside the JS heap (persisted chunks). Freed by `freeBuffer` or by GC. */
export interface NativeBuffer {
  readonly __nativeBuffer: true;
}

export type NativeBufferArg = ArrayBuffer | ArrayBufferView | NativeBuffer;

export interface ExecuteResult {
  /** Number of chunk tasks run. */
  tasks: number;
  /** With plan.profile: 5 numbers per task: stage, task, thread, startNs, endNs. */
  profile?: Float64Array;
}

export interface ExecuteHandle {
  promise: Promise<ExecuteResult>;
  /** Stop at the next block boundary; the promise rejects with an Error named 'AbortError'. */
  cancel(): void;
}

export interface NativeAddon {
  execute(
    plan: NativePlan,
    buffers: NativeBufferArg[],
    /** With plan.profile and plan.profileLive, `records`: the tasks finished since the last call (5 numbers each, as `profile`). */
    onProgress?: (done: number, total: number, records?: Float64Array) => void,
  ): ExecuteHandle;
  allocBuffer(bytes: number): NativeBuffer;
  /** Zero-copy ArrayBuffer over a native buffer; keeps the buffer alive while referenced. */
  bufferView(buffer: NativeBuffer): ArrayBuffer;
  /** Asks for transparent huge pages over a fresh, untouched ArrayBuffer of at least 4 MiB (a hint; see lower.ts freshBuffer). */
  adviseHugePages(buffer: ArrayBuffer): void;
  freeBuffer(buffer: NativeBuffer): void;
  setNumThreads(n: number): void;
  getNumThreads(): number;
  isa(): 'baseline' | 'avx2' | 'avx512';
  memoryStats(): { nativeBytes: number; peakNativeBytes: number; inFlightPlans: number };
}

const PACKAGE_NAME = 'tessera';

function isPackageRoot(dir: string): boolean {
  const pkg = join(dir, 'package.json');
  if (!existsSync(pkg)) return false;
  if (existsSync(join(dir, 'binding.gyp'))) return true;
  try {
    return (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown }).name === PACKAGE_NAME;
  } catch {
    return false;
  }
}

/** This module's directory: __dirname in the CommonJS bundle (and under vitest), import.meta.url in ESM (`node -e` defines a global __dirname of '.', which is not ours). */
function moduleDir(): string {
  return typeof __dirname === 'string' && isAbsolute(__dirname) ? __dirname : dirname(fileURLToPath(import.meta.url));
}

/**
 * The package root (package.json next to binding.gyp, or package.json named "tessera"): walks up
 * from src/ (tsx, vitest), dist/esm/, dist/cjs/ or node_modules/tessera/dist/*. The nested
 * dist/{esm,cjs}/package.json files only carry "type" and are skipped.
 */
export function packageRoot(from: string = moduleDir()): string {
  let dir = resolve(from);
  for (;;) {
    if (isPackageRoot(dir)) return dir;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  throw new Error(
    `tessera: cannot find the package root (a package.json next to binding.gyp) above ${from}.\n` +
      `  If tessera was bundled into another file, mark it external in the bundler, or set ` +
      `TESSERA_PREBUILD to a directory holding prebuilds/${process.platform}-${process.arch}/*.node or build/Release/tessera.node.`,
  );
}

function listNodeFiles(dir: string): string[] {
  try {
    return readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.node'))
      .map((f) => join(dir, f));
  } catch {
    return [];
  }
}

function diagnose(reason: string): string {
  if (/invalid ELF header|file too short|not an ELF|Exec format error/i.test(reason)) {
    return 'the file is not a loadable shared library for this platform (truncated, corrupt, or built for another OS)';
  }
  if (/wrong ELF class|ELFCLASS/i.test(reason)) return 'the file was built for another architecture (32/64-bit mismatch)';
  if (/GLIBC(XX)?_[\d.]+'? not found/.test(reason)) {
    return 'the binary needs a newer glibc/libstdc++ than this system has';
  }
  if (/NODE_MODULE_VERSION|compiled against a different Node\.js version/.test(reason)) {
    return 'the binary was built for another Node.js ABI (node-gyp instead of N-API build?)';
  }
  if (/No native build was found/.test(reason)) return 'no binary matches this platform, architecture and libc';
  return 'the dynamic loader rejected the file';
}

/**
 * Loads the addon from a package root (or TESSERA_PREBUILD, which node-gyp-build honours too):
 * build/Release/tessera.node if present, else the best prebuilds/<platform>-<arch>/*.node.
 * Failures name the files looked for, why they failed and how to build from source.
 */
export function loadAddon(root: string): NativeAddon {
  const dir = resolve(process.env.TESSERA_PREBUILD || root);
  // node-gyp-build is our dependency: resolve it from this file, wherever `dir` points.
  const req = createRequire(join(moduleDir(), 'native.js'));
  const prebuildDir = join(dir, 'prebuilds', `${process.platform}-${process.arch}`);
  const releasePath = join(dir, 'build', 'Release', 'tessera.node');
  let file: string | undefined;
  try {
    const gypBuild = req('node-gyp-build') as ((dir: string) => NativeAddon) & { resolve(dir: string): string };
    file = gypBuild.resolve(dir);
    return req(file) as NativeAddon;
  } catch (err) {
    const reason = (err instanceof Error ? err.message : String(err)).trim().replace(/\n\s*/g, ' ');
    const found = [...listNodeFiles(join(dir, 'prebuilds')), ...listNodeFiles(join(dir, 'build'))];
    const libc = process.env.LIBC || 'glibc';
    throw new Error(
      `tessera: could not load the native addon.\n` +
        `  looked for: ${releasePath}\n` +
        `              ${prebuildDir}/tessera.${libc}.node (N-API prebuild for ${libc}, any Node.js >= 22)\n` +
        (file ? `  tried:      ${file}\n` : '') +
        `  found:      ${found.length ? found.join('\n              ') : '(no .node files)'}\n` +
        `  why:        ${diagnose(reason)}: ${reason}\n` +
        `  fix:        build it from source (needs python3, make and a C++17 compiler such as g++ >= 9):\n` +
        `                npm rebuild tessera --build-from-source      (in a project that depends on tessera)\n` +
        `                npm run build:native                         (in a tessera checkout)\n` +
        `              with npm >= 11 the rebuild runs only if tessera's install script is allowed\n` +
        `              ("allowScripts" in package.json; see docs/install.md).`,
      { cause: err },
    );
  }
}

let addon: NativeAddon | undefined;

export function native(): NativeAddon {
  if (addon) return addon;
  addon = loadAddon(packageRoot());
  return addon;
}
