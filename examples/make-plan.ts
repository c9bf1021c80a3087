// Writes examples/plan.json: a plan built with the fluent API, serialized for `npx tessera run`.
//   npx tsx examples/make-plan.ts
import { writeFileSync } from 'node:fs';
import { arange, random, exportPlan } from 'tessera';

const x = random.random([2000, 2000], { seed: 42, chunks: [500, 2000] });
const y = arange(12, { chunks: 4 }).mul(0.5).sin();
const { plan } = exportPlan([x.exp().mean(), x.std({ axis: 0 }).max(), y], {
  outputs: ['mean_exp', 'max_col_std', 'sin_half_arange'],
  meta: { producer: 'examples/make-plan.ts' },
});
writeFileSync(new URL('./plan.json', import.meta.url), JSON.stringify(plan, null, 1) + '\n');
console.log(`wrote examples/plan.json: ${plan.stages.length} stages, outputs ${plan.outputs.length}`);
