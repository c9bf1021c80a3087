// Issue #5's example: delayed functions, visualize() to SVG, and the progress bar.
import { delayed, ones } from 'tessera';

const numerator = delayed((x: number, y: number) => { let s = 0; for (let i = 1; i <= y; i++) s += x * i; return s; }, { name: 'numerator' });
const denominator = delayed(function factorial(y: number): number { return y <= 1 ? 1 : y * factorial(y - 1); }, { name: 'denominator' });
const divide = delayed((n: number, d: number) => n / d, { name: 'divide' });

const result = divide(numerator(1500, 10), denominator(10));
console.log('result =', await result.compute());
await result.visualize({ filename: 'delayed.svg' });

const x = ones([50, 50], { chunks: [5, 5] });
await x.add(x.T).visualize({ filename: 'transpose.svg' });
console.log('sum =', await x.add(x.T).sum().compute({ progress: true }));
