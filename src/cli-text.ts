// What the CLI and the distributed processes print: counted nouns ("1 task", "2 tasks"), the
// package version, and leveled log lines (TESSERA_LOG=debug|info|warn|error|silent).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `count noun`, with the plural when count is not 1: plural(1, 'task') → "1 task". */
export function plural(count: number, noun: string, many = `${noun}s`): string {
  return `${count.toLocaleString('en-US')} ${count === 1 ? noun : many}`;
}

/** tessera's version, from the package.json above this file (src/ in a checkout, dist/esm/ installed). */
export function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'tessera' && pkg.version) return pkg.version;
    }
    dir = dirname(dir);
  }
  return 'unknown';
}

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3, silent: 4 };

/**
 * The level TESSERA_LOG asks for (default info; TESSERA_DEBUG=1, the older switch, means debug).
 * An unknown value is a RangeError naming the variable and the accepted levels.
 */
export function logLevel(env: NodeJS.ProcessEnv = process.env): LogLevel {
  const v = env.TESSERA_LOG?.trim().toLowerCase();
  if (v === undefined || v === '') return env.TESSERA_DEBUG ? 'debug' : 'info';
  if ((LOG_LEVELS as readonly string[]).includes(v)) return v as LogLevel;
  throw new RangeError(`TESSERA_LOG=${JSON.stringify(env.TESSERA_LOG)} is not a log level (accepted: ${LOG_LEVELS.join(', ')})`);
}

/** A log line sink with a level: what the scheduler and workers are given as `log`. */
export type LogFunction = (line: string, level?: Exclude<LogLevel, 'silent'>) => void;

/**
 * A LogFunction writing lines at or above `level` through `write`: info lines as they are (plus
 * the timestamp when asked), other levels tagged ("warn: worker lost: w1").
 */
export function makeLog(write: (text: string) => void, options: { level?: LogLevel; timestamps?: boolean; prefix?: string } = {}): LogFunction {
  const level = options.level ?? logLevel();
  return (line, at = 'info') => {
    if (RANK[at] < RANK[level]) return;
    const tag = at === 'info' ? '' : `${at}: `;
    write(`${options.timestamps ? `${new Date().toISOString()} ` : ''}${options.prefix ?? ''}${tag}${line}\n`);
  };
}
