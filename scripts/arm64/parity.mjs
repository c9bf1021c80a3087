// The arm64 done-check (issue 19): random.random([4000, 4000], { seed: 1 }) must be bit-identical
// to x64's (the counter-based RNG promises it) and exp(x).sum() within 1e-15 relative. Prints
// { arch, isa, sha256, expSum } of the built package (dist/esm); test/arm64.test.ts runs it on
// x64 and under qemu and compares.
import { createHash } from 'node:crypto';
import { random, exp } from '../../dist/esm/index.js';
import { native } from '../../dist/esm/native.js';

const x = random.random([4000, 4000], { seed: 1 });
const dense = await x.compute();
const bytes = new Uint8Array(dense.data.buffer, dense.data.byteOffset, dense.data.byteLength);
const sha256 = createHash('sha256').update(bytes).digest('hex');
const expSum = await exp(x).sum().compute();
console.log(JSON.stringify({ arch: process.arch, isa: native().isa(), sha256, expSum, first: dense.data[0], last: dense.data[dense.data.length - 1] }));
