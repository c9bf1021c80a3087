// The scheduler's task state machine (src/distributed/jobs.ts): one transition() changes task
// states, and the counts the scheduler reports are derived from them. Also the plan splitting
// the scheduler builds tasks from (src/plan/split.ts chunkBatches).
import { describe, expect, it } from 'vitest';
import type { NativeStage } from '../src/native.js';
import { chunkBatches, chunkCount } from '../src/plan/split.js';
import { addTask, doneOf, newJob, pendingOf, totalOf, transition } from '../src/distributed/jobs.js';
import type { ResultMsg, SubmitRequest, TaskMsg } from '../src/distributed/protocol.js';
import { bareStage } from './helpers/distributed.js';

const stage = (shape: number[], chunks: number[][]): NativeStage => bareStage(shape, chunks);
const msg = (id: string): TaskMsg => ({ kind: 'call', id, compute: 'j', name: 'f', maxTries: 3, url: 'file:///x.js', exportName: 'f', args: [] });
const result = (id: string, worker: string): ResultMsg => ({ id, compute: 'j', worker, ok: true, stored: [{ key: `${id}-k`, bytes: 8 }] });

describe('task state machine', () => {
  it('derives done, pending and total from task states', () => {
    // stage 0: 6 chunks; stage 1: one chunk (run whole), into a buffer of its own (two stages
    // writing one intermediate buffer are a concatenation's slabs, which run whole: planSplitMode)
    const second = stage([2], [[2]]);
    const req = { compute: 'j', stages: [stage([6], [[1, 1, 1, 1, 1, 1]]), { ...second, sink: { ...second.sink, buffer: 1 } }], stageNames: ['a', 'b'], buffers: [], outputs: [] } as SubmitRequest;
    const job = newJob('j', 'plan', 'a, b', { req });
    expect(totalOf(job)).toBe(7);
    const t1 = addTask(job, 'j:0:0', 0, [0, 1, 2], msg('j:0:0'));
    const t2 = addTask(job, 'j:0:3', 0, [3, 4, 5], msg('j:0:3'));
    expect([doneOf(job), pendingOf(job)]).toEqual([0, 2]);
    transition(job, t1, 'processing', { worker: 'w1' });
    expect(t1.worker).toBe('w1');
    expect([doneOf(job), pendingOf(job)]).toEqual([0, 2]);
    transition(job, t1, 'memory', { result: result('j:0:0', 'w2') });
    expect([t1.state, t1.worker, t1.stored?.[0]?.key]).toEqual(['memory', 'w2', 'j:0:0-k']);
    expect([doneOf(job), pendingOf(job)]).toEqual([3, 1]);
    transition(job, t2, 'memory', { result: result('j:0:3', 'w1') });
    expect([doneOf(job), pendingOf(job)]).toEqual([6, 0]);
    // its worker died: back to waiting, forgetting where it ran and what it stored
    transition(job, t1, 'waiting');
    expect([t1.worker, t1.stored]).toEqual([undefined, undefined]);
    expect([doneOf(job), pendingOf(job)]).toEqual([3, 1]);
    const whole = addTask(job, 'j:1:all', 1, [-1], msg('j:1:all'));
    transition(job, whole, 'memory', { result: result('j:1:all', 'w1') });
    transition(job, t1, 'memory', { result: result('j:0:0', 'w1') });
    expect([doneOf(job), pendingOf(job)]).toEqual([7, 0]);
    transition(job, whole, 'erred');
    expect([doneOf(job), pendingOf(job)]).toEqual([6, 1]);
  });

  it('counts a graph by its keys with values, literals excluded', () => {
    const job = newJob('g', 'graph', 'f', {
      graph: { specs: new Map([['a', {}], ['b', {}], ['c', {}]] as never), waiting: new Map(), dependents: new Map(), results: new Map([['a', 1]]), literals: 1, outputs: ['c'] },
    });
    expect([doneOf(job), totalOf(job)]).toEqual([0, 2]);
    job.graph!.results.set('b', 2);
    expect(doneOf(job)).toBe(1);
  });

  it('batches tiny chunks: up to 256 per task, until 64 Ki elements', () => {
    const tiny = stage([1000], [Array.from({ length: 1000 }, () => 1)]);
    const b = chunkBatches(tiny);
    expect(b.map((x) => x.length)).toEqual([256, 256, 256, 232]);
    expect(b.flat()).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    const big = stage([40000, 4], [[20000, 20000], [2, 2]]); // 40 000 elements a chunk
    expect(chunkCount(big)).toBe(4);
    expect(chunkBatches(big)).toEqual([[0, 1], [2, 3]]);
  });
});
