// Preloaded (node --require) into an aarch64 node running under qemu-user without binfmt_misc:
// child processes that node forks or spawns with its own executable (vitest's fork pool,
// tests that run `process.execPath …`) are started through qemu-aarch64-static too, with the
// same QEMU_LD_PREFIX. Nothing else changes. Set by scripts/arm64/run.mjs.
'use strict';
const cp = require('node:child_process');
const { syncBuiltinESMExports } = require('node:module');

const fs = require('node:fs');

const qemu = process.env.TESSERA_QEMU;
const self = process.execPath;
const elfCache = new Map();
/** Is `file` (an absolute path) an aarch64 ELF executable, e.g. esbuild's arm64 binary? */
function isArm64Elf(file) {
  if (typeof file !== 'string' || !file.startsWith('/')) return false;
  if (!elfCache.has(file)) {
    let yes = false;
    try {
      const fd = fs.openSync(file, 'r');
      const head = Buffer.alloc(20);
      fs.readSync(fd, head, 0, 20, 0);
      fs.closeSync(fd);
      yes = head.readUInt32BE(0) === 0x7f454c46 && head.readUInt16LE(18) === 0xb7; // EM_AARCH64
    } catch {}
    elfCache.set(file, yes);
  }
  return elfCache.get(file);
}
if (qemu) {
  const wrap = (file, args) =>
    file === 'node' ? [qemu, [self, ...args]] : isArm64Elf(file) ? [qemu, [file, ...args]] : [file, args];
  const origSpawn = cp.spawn;
  const origSpawnSync = cp.spawnSync;
  const origExecFile = cp.execFile;
  const origExecFileSync = cp.execFileSync;
  const origFork = cp.fork;
  const split = (args, options) => (Array.isArray(args) ? [args, options] : [[], args]);
  cp.fork = function fork(modulePath, args, options) {
    [args, options] = split(args, options);
    options = { ...(options || {}) };
    const execArgv = options.execArgv || process.execArgv;
    // fork(module) runs `execPath ...execArgv module ...args`: make execPath qemu and put node first
    options.execPath = qemu;
    options.execArgv = [self, ...execArgv];
    return origFork.call(this, modulePath, args, options);
  };
  cp.spawn = function spawn(file, args, options) {
    [args, options] = split(args, options);
    const [f, a] = wrap(file, args);
    return origSpawn.call(this, f, a, options);
  };
  cp.spawnSync = function spawnSync(file, args, options) {
    [args, options] = split(args, options);
    const [f, a] = wrap(file, args);
    return origSpawnSync.call(this, f, a, options);
  };
  cp.execFile = function execFile(file, args, options, cb) {
    if (typeof args === 'function') return origExecFile.call(this, ...wrap(file, []), args);
    if (!Array.isArray(args)) return origExecFile.call(this, ...wrap(file, []), args, options);
    const [f, a] = wrap(file, args);
    return origExecFile.call(this, f, a, options, cb);
  };
  cp.execFileSync = function execFileSync(file, args, options) {
    [args, options] = split(args, options);
    const [f, a] = wrap(file, args);
    return origExecFileSync.call(this, f, a, options);
  };
  syncBuiltinESMExports();
}
