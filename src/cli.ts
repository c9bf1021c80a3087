#!/usr/bin/env node
// The `tessera` command: a small dispatcher on the first argument, so other subcommands
// (e.g. `tessera scheduler`, `tessera worker`) can be added to COMMANDS without touching the rest.
//
//   tessera run plan.json [--input name=file]... [--out-dir DIR] [--full] [--max-elements N] [--threads N]
//
// Reads a serialized plan (docs/embedding.md, docs/plan.schema.json), runs it on the local thread
// pool and prints the outputs as JSON on stdout. Errors go to stderr with exit code 1 (2 for usage).
import { createReadStream, realpathSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { configure } from './config.js';
import { DenseArray } from './array/dense.js';
import { execute, decodePlan, type PlanInputs } from './embed/plan.js';
import { schedulerCommand, workerCommand, SCHEDULER_USAGE, WORKER_USAGE } from './distributed/cli.js';
import { packageVersion, plural } from './cli-text.js';

export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

type Command = { summary: string; usage: string; run: (args: string[], io: CliIO) => Promise<number> };

export class UsageError extends Error {}

const RUN_USAGE = `usage: tessera run <plan.json | -> [options]

Runs a tessera plan (format "tessera.plan", docs/plan.schema.json) and prints its outputs as JSON.

options:
  --input NAME=FILE    data for the plan input NAME: a .json file (array of numbers, nested allowed)
                       or raw little-endian float64/float32 bytes (any other extension)
  --out-dir DIR        also write each array output to DIR/<name>.<f64|f32> (raw little-endian)
  --full               print every element (default: at most 10 per output)
  --max-elements N     refuse plans iterating over more than N elements (default 2^48)
  --threads N          native worker threads (default: all cores, or TESSERA_NUM_THREADS)
  --check              only validate the plan; print its outputs' names, shapes and work
  -h, --help           this help

A plan (or a .json input) larger than 256 MiB is refused; raw inputs are read up to the size the
plan declares. Output names must be plain file names (no "/", "\\", "." or "..").

examples:
  tessera run plan.json                              # outputs as JSON on stdout
  tessera run plan.json --input x=x.f64 --out-dir out --full
  cat plan.json | tessera run - --check              # validate only: names, shapes, work

environment:
  TESSERA_NUM_THREADS    native threads (default: all cores; --threads wins)
  TESSERA_ISA            kernel path: baseline | avx2 | avx512 (default: the best this CPU runs)`;

/** The plan is read whole into memory: a cap makes /dev/zero or an endless stdin fail, not hang. */
export const MAX_PLAN_BYTES = 256 * 2 ** 20;

/** Read `path` ('-' = stdin) whole, refusing more than `limit` bytes (said in `tooBig`). */
async function readCapped(path: string, limit: number, tooBig: () => string): Promise<Buffer> {
  const stream = path === '-' ? process.stdin : createReadStream(path);
  const chunks: Buffer[] = [];
  let total = 0;
  // Leaving the loop early (the throw) destroys the stream: the file is closed, stdin released.
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    total += chunk.byteLength;
    if (total > limit) throw new RangeError(tooBig());
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

/**
 * `--out-dir` writes DIR/<name>.<ext>: a name with a separator or a dot segment would write
 * elsewhere (`../../x`), so output names must be plain file names.
 */
function outputFileName(name: string, ext: string): string {
  if (name.length === 0 || name === '.' || name === '..' || /[/\\\0]/.test(name)) {
    throw new RangeError(
      `--out-dir: output ${JSON.stringify(name)} is not a plain file name (no "/", "\\", NUL, "." or ".."), so it could write outside the directory; rename the output in the plan`,
    );
  }
  return `${name}.${ext}`;
}

async function runCommand(args: string[], io: CliIO): Promise<number> {
  let planPath: string | undefined;
  const inputFiles: [string, string][] = [];
  let outDir: string | undefined;
  let full = false;
  let check = false;
  let maxElements: number | undefined;
  const value = (i: number, flag: string): string => {
    const v = args[i];
    if (v === undefined) throw new UsageError(`${flag} needs a value`);
    return v;
  };
  const positiveInt = (text: string, flag: string): number => {
    const n = Number(text);
    if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive integer, got ${JSON.stringify(text)}`);
    return n;
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-h' || a === '--help') {
      io.stdout(RUN_USAGE + '\n');
      return 0;
    } else if (a === '--input') {
      const spec = value(++i, a);
      const eq = spec.indexOf('=');
      if (eq <= 0) throw new UsageError(`--input expects NAME=FILE, got ${JSON.stringify(spec)}`);
      inputFiles.push([spec.slice(0, eq), spec.slice(eq + 1)]);
    } else if (a === '--out-dir') outDir = value(++i, a);
    else if (a === '--full') full = true;
    else if (a === '--check') check = true;
    else if (a === '--max-elements') maxElements = positiveInt(value(++i, a), a);
    else if (a === '--threads') configure({ numThreads: positiveInt(value(++i, a), a) });
    else if (a.startsWith('-') && a !== '-') throw new UsageError(`unknown option ${a}`);
    else if (planPath === undefined) planPath = a;
    else throw new UsageError(`unexpected argument ${JSON.stringify(a)} (one plan file per run)`);
  }
  if (planPath === undefined) throw new UsageError('missing the plan file');
  const text = (await readCapped(planPath, MAX_PLAN_BYTES, () => `${planPath === '-' ? 'stdin' : planPath}: the plan is larger than ${MAX_PLAN_BYTES / 2 ** 20} MiB (the most tessera run reads)`)).toString('utf8');
  let plan: unknown;
  try {
    plan = JSON.parse(text);
  } catch (err) {
    throw new TypeError(`${planPath}: not valid JSON (${(err as Error).message})`);
  }
  const decoded = decodePlan(plan, { maxElements });
  const outputExt = (dtype: string): string => (dtype === 'float64' ? 'f64' : 'f32');
  // Checked before anything runs or is written.
  if (outDir !== undefined) for (const b of decoded.outputs) outputFileName((decoded.buffers[b] as { name: string }).name, outputExt(decoded.buffers[b]!.dtype));
  if (check) {
    const outputs = decoded.outputs.map((b) => decoded.buffers[b] as { name: string; dtype: string; shape: number[] });
    const inputs = decoded.buffers.filter((b) => b.role === 'input');
    io.stdout(
      JSON.stringify(
        {
          valid: true,
          stages: decoded.native.stages.length,
          tasks: decoded.stageTasks.reduce((x, y) => x + y, 0),
          elements: decoded.elements,
          inputs: Object.fromEntries(inputs.map((b) => [(b as { name: string }).name, { dtype: b.dtype, length: (b as { length: number }).length }])),
          outputs: Object.fromEntries(outputs.map((o) => [o.name, { dtype: o.dtype, shape: o.shape }])),
        },
        null,
        2,
      ) + '\n',
    );
    return 0;
  }
  const inputs: PlanInputs = {};
  for (const [name, file] of inputFiles) {
    const spec = decoded.buffers.find((b): b is Extract<typeof b, { role: 'input' }> => b.role === 'input' && b.name === name);
    if (!spec) throw new RangeError(`--input ${name}: the plan has no input named ${JSON.stringify(name)}`);
    const Ctor = spec.dtype === 'float64' ? Float64Array : Float32Array;
    if (file.endsWith('.json')) {
      const text = await readCapped(file, MAX_PLAN_BYTES, () => `--input ${name}: ${file} is larger than ${MAX_PLAN_BYTES / 2 ** 20} MiB (the most tessera run reads as JSON; use raw ${spec.dtype} bytes)`);
      const values = (JSON.parse(text.toString('utf8')) as unknown[]).flat(Infinity);
      values.forEach((v, i) => {
        if (typeof v !== 'number') throw new TypeError(`--input ${name}: ${file} element ${i} is not a number`);
      });
      inputs[name] = Ctor.from(values as number[]);
    } else {
      const want = spec.length * Ctor.BYTES_PER_ELEMENT;
      const bytes = await readCapped(file, want, () => `--input ${name}: ${file} has more than ${want} bytes, but the plan's input holds ${spec.length} ${spec.dtype} values`);
      if (bytes.byteLength % Ctor.BYTES_PER_ELEMENT) throw new RangeError(`--input ${name}: ${file} has ${bytes.byteLength} bytes, not a whole number of ${spec.dtype} values`);
      const copy = new Uint8Array(bytes.byteLength);
      copy.set(bytes);
      inputs[name] = new Ctor(copy.buffer, 0, bytes.byteLength / Ctor.BYTES_PER_ELEMENT);
    }
  }
  const t0 = performance.now();
  const results = await execute(plan, inputs, { maxElements });
  const ms = performance.now() - t0;
  const out: Record<string, unknown> = {};
  decoded.outputs.forEach((b, i) => {
    const buf = decoded.buffers[b] as { name: string; dtype: 'float64' | 'float32'; shape: number[] };
    const r = results[i]!;
    if (!(r instanceof DenseArray)) {
      out[buf.name] = jsonNumber(Number(r));
      return;
    }
    const shown = full ? r.data : r.data.subarray(0, 10);
    const entry: Record<string, unknown> = { dtype: r.dtype, shape: [...r.shape], data: Array.from(shown as ArrayLike<number>, jsonNumber) };
    if (shown.length < r.data.length) entry.truncated = `${r.data.length - shown.length} more elements (--full prints all)`;
    if (outDir) {
      mkdirSync(outDir, { recursive: true });
      const path = join(outDir, outputFileName(buf.name, outputExt(r.dtype)));
      writeFileSync(path, new Uint8Array(r.data.buffer, r.data.byteOffset, r.data.byteLength));
      entry.file = path;
    }
    out[buf.name] = entry;
  });
  // One line per output: readable, and still one JSON document.
  const lines = Object.entries(out).map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)}`);
  io.stdout(`{\n${lines.join(',\n')}\n}\n`);
  io.stderr(`tessera run: ${plural(decoded.stageTasks.reduce((x, y) => x + y, 0), 'task')} in ${plural(decoded.native.stages.length, 'stage')}, ${ms.toFixed(1)} ms\n`);
  return 0;
}

/** JSON has no NaN/Infinity: spell them as the plan format does. */
function jsonNumber(v: number): number | string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  return v;
}

export const COMMANDS: Record<string, Command> = {
  run: { summary: 'execute a plan written as JSON (docs/embedding.md)', usage: RUN_USAGE, run: runCommand },
  scheduler: { summary: 'start nats-server and the distributed scheduler (docs/distributed.md)', usage: SCHEDULER_USAGE, run: schedulerCommand },
  worker: { summary: 'run a distributed worker: tessera worker nats://HOST:8786', usage: WORKER_USAGE, run: workerCommand },
};

function mainUsage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return (
    'usage: tessera <command> [options]\n\ncommands:\n' +
    Object.entries(COMMANDS)
      .map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`)
      .join('\n') +
    '\n\noptions:\n  -V, --version  print the version\n  -h, --help     this help' +
    '\n\n`tessera <command> --help` for a command\'s options, examples and environment variables.' +
    '\nEvery TESSERA_* variable: README.md, "Configuration".'
  );
}

export async function main(argv: string[], io: CliIO = { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) }): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '-V' || name === '--version' || name === 'version') {
    io.stdout(`tessera ${packageVersion()} (Node.js ${process.version}, ${process.platform}-${process.arch})\n`);
    return 0;
  }
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    io.stdout(mainUsage() + '\n');
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.stderr(`tessera: unknown command ${JSON.stringify(name)}\n\n${mainUsage()}\n`);
    return 2;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`tessera ${name}: ${err.message}\n\n${command.usage}\n`);
      return 2;
    }
    const e = err as Error;
    io.stderr(`tessera ${name}: ${e?.name && e.name !== 'Error' ? `${e.name}: ` : ''}${e?.message ?? String(err)}\n`);
    return 1;
  }
}

// Run when executed directly (the package's bin), not when imported (tests).
function isMain(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(entry)).href; // npm links bins as symlinks
  } catch {
    return false;
  }
}
if (isMain()) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`tessera: ${(err as Error)?.stack ?? String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
