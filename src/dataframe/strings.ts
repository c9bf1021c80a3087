// The .str methods that map a string to a string (or a count): slice, strip, replace, split().get
// and split().len, with Python's semantics as pandas has them (code-point slicing, Python's
// whitespace, maxsplit). Like the other .str methods they run once per distinct dictionary entry
// of a partition, not per row: the codes are kept, only the dictionary is rewritten.

/** Parameters of a mapping .str operation. */
export type StrMap =
  | { readonly op: 'slice'; readonly start: number | null; readonly stop: number | null; readonly step: number | null }
  | { readonly op: 'strip' | 'lstrip' | 'rstrip'; readonly chars: string | null }
  | { readonly op: 'replace'; readonly pat: string; readonly repl: string; readonly n: number; readonly regex: boolean; readonly caseSensitive: boolean }
  | { readonly op: 'splitget'; readonly pat: string | null; readonly n: number; readonly regex: boolean; readonly index: number }
  | { readonly op: 'splitlen'; readonly pat: string | null; readonly n: number; readonly regex: boolean }
  /** astype('category'): the strings as they are, labelled category. */
  | { readonly op: 'category' }
  /** Series.replace of a string column: whole values looked up, the unmatched kept. */
  | { readonly op: 'lookup'; readonly entries: ReadonlyMap<string, string> };

/** Python's str.isspace() characters (str.strip() and str.split() without arguments). */
const PY_SPACE = new Set([
  '\t', '\n', '\v', '\f', '\r', '\x1c', '\x1d', '\x1e', '\x1f', ' ', '\x85', '\xa0', '\u1680',
  '\u2000', '\u2001', '\u2002', '\u2003', '\u2004', '\u2005', '\u2006', '\u2007', '\u2008', '\u2009', '\u200a',
  '\u2028', '\u2029', '\u202f', '\u205f', '\u3000',
]);

/** Python's s[start:stop:step] over code points. */
function pySlice(s: string, start: number | null, stop: number | null, step: number | null): string {
  const cp = [...s];
  const n = cp.length;
  const st = step ?? 1;
  const norm = (v: number | null, dflt: number, lo: number, hi: number): number => {
    if (v === null) return dflt;
    const x = v < 0 ? v + n : v;
    return Math.min(Math.max(x, lo), hi);
  };
  let out = '';
  if (st > 0) {
    const a = norm(start, 0, 0, n);
    const b = norm(stop, n, 0, n);
    for (let i = a; i < b; i += st) out += cp[i]!;
  } else {
    const a = norm(start, n - 1, -1, n - 1);
    const b = norm(stop, -1, -1, n - 1);
    for (let i = a; i > b; i += st) out += cp[i]!;
  }
  return out;
}

function strip(s: string, chars: string | null, left: boolean, right: boolean): string {
  const cp = [...s];
  const set = chars === null ? PY_SPACE : new Set([...chars]);
  let a = 0;
  let b = cp.length;
  if (left) while (a < b && set.has(cp[a]!)) a++;
  if (right) while (b > a && set.has(cp[b - 1]!)) b--;
  return cp.slice(a, b).join('');
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Python's str.split(sep, maxsplit): None splits on runs of whitespace, ignoring them at the ends. */
function pySplit(s: string, pat: string | null, n: number, regex: boolean): string[] {
  const max = n < 0 ? Infinity : n;
  if (pat === null) {
    const out: string[] = [];
    const cp = [...s];
    let i = 0;
    while (i < cp.length) {
      while (i < cp.length && PY_SPACE.has(cp[i]!)) i++;
      if (i >= cp.length) break;
      if (out.length === max) {
        // the rest, trailing whitespace stripped (Python's maxsplit)
        let j = cp.length;
        while (j > i && PY_SPACE.has(cp[j - 1]!)) j--;
        out.push(cp.slice(i, j).join(''));
        break;
      }
      let j = i;
      while (j < cp.length && !PY_SPACE.has(cp[j]!)) j++;
      out.push(cp.slice(i, j).join(''));
      i = j;
    }
    return out;
  }
  const re = new RegExp(regex ? pat : escapeRegExp(pat), 'gu');
  const out: string[] = [];
  let last = 0;
  let m: RegExpExecArray | null;
  while (out.length < max && (m = re.exec(s)) !== null) {
    if (m[0].length === 0) {
      re.lastIndex++;
      continue;
    }
    out.push(s.slice(last, m.index));
    last = m.index + m[0].length;
  }
  out.push(s.slice(last));
  return out;
}

/** repl with JS's $$, $&, $1…$99 and $<name> filled in from a match. */
function expand(repl: string, match: string, groups: (string | undefined)[], named: Record<string, string> | undefined): string {
  return repl.replace(/\$(\$|&|\d{1,2}|<([^>]*)>)/g, (t, k: string, name: string | undefined) =>
    k === '$' ? '$' : k === '&' ? match : name !== undefined ? (named?.[name] ?? '') : Number(k) >= 1 && Number(k) <= groups.length ? (groups[Number(k) - 1] ?? '') : t);
}

function replace(s: string, m: Extract<StrMap, { op: 'replace' }>): string {
  const re = new RegExp(m.regex ? m.pat : escapeRegExp(m.pat), `g${m.caseSensitive ? '' : 'i'}u`);
  let left = m.n < 0 ? Infinity : m.n;
  // a literal replacement is taken as is; a regex one fills in JS's $1 / $<name>
  return s.replace(re, (...args: unknown[]) => {
    const whole = args[0] as string;
    if (left <= 0) return whole;
    left--;
    if (!m.regex) return m.repl;
    const last = args[args.length - 1];
    const named = typeof last === 'object' && last !== null ? (last as Record<string, string>) : undefined;
    const groups = args.slice(1, named ? -3 : -2) as (string | undefined)[];
    return expand(m.repl, whole, groups, named);
  });
}

/** The operation on one string: a string, a count, or null (missing: split().get out of range). */
export function mapString(s: string, m: StrMap): string | number | null {
  switch (m.op) {
    case 'slice': return pySlice(s, m.start, m.stop, m.step);
    case 'strip': return strip(s, m.chars, true, true);
    case 'lstrip': return strip(s, m.chars, true, false);
    case 'rstrip': return strip(s, m.chars, false, true);
    case 'replace': return replace(s, m);
    case 'splitget': {
      const parts = pySplit(s, m.pat, m.n, m.regex);
      const i = m.index < 0 ? parts.length + m.index : m.index;
      return i >= 0 && i < parts.length ? parts[i]! : null;
    }
    case 'splitlen': return pySplit(s, m.pat, m.n, m.regex).length;
    case 'category': return s;
    case 'lookup': return m.entries.get(s) ?? s;
  }
}
