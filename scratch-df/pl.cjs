const pl = require('nodejs-polars');
const fs = require('fs');
const files = fs.readdirSync('/tmp/dfbench').filter(f => f.endsWith('.csv')).sort().map(f => '/tmp/dfbench/' + f);
for (let k = 0; k < 3; k++) {
  let t = performance.now();
  const df = pl.readCSV(files[0]); // warm
  const dfs = files.map(f => pl.readCSV(f));
  const all = pl.concat(dfs);
  const t1 = performance.now();
  const d = all.describe();
  const t2 = performance.now();
  console.log('polars read', (t1 - t).toFixed(0), 'describe', (t2 - t1).toFixed(0));
  if (k == 0) console.log(String(d));
}
let t = performance.now();
const lf = pl.scanCSV('/tmp/dfbench/*.csv').collectSync();
console.log('scan glob', (performance.now() - t).toFixed(0), lf.height);
