#!/usr/bin/env node
// Portable-SIMD gate: disassembles the native objects of a build and checks that only the per-ISA
// kernel files (native/sources.json "isa") use instructions beyond baseline x86-64 (SSE2).
//
//   node scripts/disasm-check.mjs [objdir ...]     (default: build/Release/obj.target)
//
// Baseline objects (everything in "core" and "addon": engine, dispatch, baseline kernels, the
// N-API binding) must contain no ymm/zmm register, no AVX-512 mask register, no VEX/EVEX-encoded
// instruction and none of the SSE3+/BMI/FMA/POPCNT instructions a -m flag would enable.
// ISA objects must really use their instruction set (the flags were applied) and must not define
// a non-local function outside their isa_* namespace that uses it: such a weak/inline definition
// (a std:: template, an inline helper) could be picked by the linker for a baseline caller and
// crash older CPUs with SIGILL.
// Exit code 0 = clean; prints a summary (and JSON with --json).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// Instructions x86-64 baseline (SSE2) lacks. `tzcnt` is absent on purpose: GCC emits `rep bsf`
// for __builtin_ctz, which objdump prints as tzcnt and which runs as bsf on older CPUs.
const NON_BASELINE = new Set(
  (
    'pshufb ptest blendvpd blendvps pblendvb blendpd blendps pblendw roundss roundsd roundps roundpd ' +
    'insertps extractps pinsrb pinsrd pinsrq pextrb pextrd pextrq dpps dppd mpsadbw phaddw phaddd phaddsw ' +
    'phsubw phsubd phsubsw pabsb pabsw pabsd palignr pmulld pmuldq pcmpeqq pcmpgtq packusdw pminsb pminsd ' +
    'pmaxsb pmaxsd pminuw pminud pmaxuw pmaxud pmovsxbw pmovsxbd pmovsxbq pmovsxwd pmovsxwq pmovsxdq pmovzxbw ' +
    'pmovzxbd pmovzxbq pmovzxwd pmovzxwq pmovzxdq phminposuw pmaddubsw pmulhrsw psignb psignw psignd ' +
    'crc32 popcnt lzcnt andn bextr blsi blsmsk blsr bzhi mulx pdep pext rorx sarx shlx shrx movbe movntdqa ' +
    'haddpd haddps hsubpd hsubps addsubpd addsubps movddup movshdup movsldup lddqu pcmpestri pcmpestrm ' +
    'pcmpistri pcmpistrm aesenc aesenclast aesdec aesdeclast pclmulqdq sha1rnds4 sha256rnds2'
  ).split(/\s+/),
);
const VEX_OK = new Set(['verr', 'verw']); // old system instructions that happen to start with v

function objdump(args) {
  return execFileSync('objdump', args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
}

/** { function: [offending instruction, ...] } for one object file. */
export function scanObject(file) {
  const out = objdump(['-d', '--no-show-raw-insn', '-M', 'att', file]);
  const byFn = new Map();
  let fn = '?';
  for (const line of out.split('\n')) {
    const head = /^[0-9a-f]+ <(.+)>:$/.exec(line);
    if (head) {
      fn = head[1];
      continue;
    }
    const m = /^\s+[0-9a-f]+:\s+(?:(?:rep|repz|repnz|lock|notrack|bnd|data16|addr32|cs|ds)\s+)*([a-z][a-z0-9.]*)\s*(.*)$/.exec(line);
    if (!m) continue;
    const [, mnemonic, operands] = m;
    const reasons = [];
    if (/%[yz]mm\d/.test(operands)) reasons.push('ymm/zmm');
    if (/%k[0-7]\b/.test(operands)) reasons.push('mask register');
    if (mnemonic.startsWith('v') && !VEX_OK.has(mnemonic)) reasons.push('VEX/EVEX');
    if (NON_BASELINE.has(mnemonic)) reasons.push('non-baseline');
    if (!reasons.length) continue;
    if (!byFn.has(fn)) byFn.set(fn, []);
    byFn.get(fn).push(`${mnemonic} ${operands}`.trim() + `  [${reasons.join(', ')}]`);
  }
  return byFn;
}

/** Mangled names of non-local (global or weak) function symbols defined in an object. */
function exportedFunctions(file) {
  const names = new Set();
  for (const line of objdump(['-t', file]).split('\n')) {
    // "0000000000000000 g     F .text  0000000000000010 _ZN..."; flags column: l/g/u, w = weak
    const m = /^[0-9a-f]+ (.{7}) (\S+)\s+[0-9a-f]+\s+(?:\.hidden\s+)?(\S+)$/.exec(line);
    if (!m) continue;
    const [, flags, , name] = m;
    if (!flags.includes('F')) continue;
    if (flags[0] === 'l') continue;
    names.add(name);
  }
  return names;
}

function demangle(names) {
  if (!names.length) return [];
  try {
    return execFileSync('c++filt', { input: names.join('\n'), encoding: 'utf8' }).trim().split('\n');
  } catch {
    return names;
  }
}

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.o')) out.push(p);
  }
  return out;
}

/** Maps every object under objdir to its source in native/sources.json (node-gyp and CMake layouts). */
export function classify(objdir) {
  const sources = JSON.parse(readFileSync(join(root, 'native', 'sources.json'), 'utf8'));
  const isaOf = new Map();
  for (const s of [...sources.core, ...sources.addon]) isaOf.set(s, 'baseline');
  for (const [isa, list] of Object.entries(sources.isa)) for (const s of list) isaOf.set(s, isa);
  const objects = walk(objdir);
  const rows = [];
  for (const [src, isa] of isaOf) {
    const stem = src.replace(/\.[^.]+$/, '');
    // node-gyp: obj.target/<target>/native/x/y.o ; CMake: CMakeFiles/<t>.dir/native/x/y.cc.o
    const obj = objects.find((o) => {
      const p = o.split(sep).join('/');
      return p.endsWith(`/${stem}.o`) || p.endsWith(`/${src}.o`);
    });
    rows.push({ source: src, isa, object: obj });
  }
  return rows;
}

export function checkBuild(objdir) {
  const rows = classify(objdir);
  const problems = [];
  const report = [];
  for (const row of rows) {
    if (!row.object) {
      if (row.source.startsWith('native/binding/') && !rows.some((r) => r.object?.includes('obj.target'))) {
        report.push({ ...row, status: 'not built here (CMake builds the addon only with TESSERA_ADDON)' });
        continue;
      }
      problems.push(`${row.source}: no object file under ${objdir} (build first: npx node-gyp rebuild)`);
      continue;
    }
    const byFn = scanObject(row.object);
    const count = [...byFn.values()].reduce((a, l) => a + l.length, 0);
    if (row.isa === 'baseline') {
      if (count) {
        const fns = [...byFn.keys()];
        const names = demangle(fns);
        const detail = fns
          .slice(0, 10)
          .map((f, i) => `    ${names[i]}: ${byFn.get(f).slice(0, 3).join(' | ')}`)
          .join('\n');
        problems.push(`${row.source} (${relative(root, row.object)}): ${count} non-baseline instructions in ${fns.length} functions\n${detail}`);
      }
      report.push({ ...row, object: relative(root, row.object), nonBaseline: count });
    } else {
      const wide = [...byFn.values()].flat().filter((i) => /%(ymm|zmm)/.test(i)).length;
      const zmm = [...byFn.values()].flat().filter((i) => /%zmm/.test(i)).length;
      if (!wide) problems.push(`${row.source}: no ymm/zmm instructions at all — were the isaFlags applied?`);
      if (row.isa === 'avx512' && !zmm) problems.push(`${row.source}: no zmm instructions — were the AVX-512 flags applied?`);
      const ns = `isa_${row.isa}`;
      const leaking = [...exportedFunctions(row.object)].filter((name) => byFn.has(name) && !name.includes(`${ns.length}${ns}`));
      if (leaking.length) {
        problems.push(
          `${row.source}: non-local functions outside namespace ${ns} use ${row.isa} instructions; the linker may ` +
            `pick them for baseline callers:\n    ${demangle(leaking).join('\n    ')}`,
        );
      }
      report.push({ ...row, object: relative(root, row.object), ymmZmm: wide, zmm, leakingFunctions: leaking.length });
    }
  }
  return { objdir: relative(root, objdir) || '.', ok: problems.length === 0, problems, report };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const dirs = args.filter((a) => !a.startsWith('--'));
  if (!dirs.length) dirs.push(join(root, 'build', 'Release', 'obj.target'));
  let ok = true;
  const results = [];
  for (const d of dirs) {
    if (!existsSync(d)) {
      console.error(`disasm-check: ${d} does not exist (build first: npx node-gyp rebuild)`);
      process.exit(2);
    }
    const r = checkBuild(d);
    results.push(r);
    ok &&= r.ok;
    console.log(`disasm-check ${r.objdir}:`);
    for (const row of r.report) {
      console.log(
        `  ${row.isa.padEnd(8)} ${row.source.padEnd(34)} ` +
          (row.status ?? (row.isa === 'baseline' ? `non-baseline instructions: ${row.nonBaseline}` : `ymm/zmm instructions: ${row.ymmZmm} (zmm ${row.zmm}), leaking functions: ${row.leakingFunctions}`)),
      );
    }
    for (const p of r.problems) console.log(`  PROBLEM ${p}`);
  }
  if (json) console.log(JSON.stringify(results, null, 2));
  console.log(ok ? 'disasm-check: OK' : 'disasm-check: FAILED');
  process.exit(ok ? 0 : 1);
}
