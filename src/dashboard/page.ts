// The dashboard's HTML shell and stylesheet (served from this process: no CDN, works offline).
export type PageName = 'status' | 'workers' | 'graph';

const LOGO =
  '<svg class="logo" viewBox="0 0 24 24" aria-hidden="true"><rect x="2" y="2" width="9" height="9" rx="1.5"/><rect x="13" y="2" width="9" height="9" rx="1.5" opacity=".55"/>' +
  '<rect x="2" y="13" width="9" height="9" rx="1.5" opacity=".55"/><rect x="13" y="13" width="9" height="9" rx="1.5" opacity=".3"/></svg>';

const BODIES: Record<PageName, string> = {
  status: `
  <section class="cards">
    <div class="card"><span class="k">Workers</span><b id="k-workers">–</b><small id="k-threads"></small></div>
    <div class="card"><span class="k">Progress</span><b id="total-progress">–</b><small id="k-tasks"></small></div>
    <div class="card"><span class="k">Processing</span><b id="k-processing">–</b><small id="k-waiting"></small></div>
    <div class="card"><span class="k">Bytes stored</span><b id="k-bytes">–</b><small id="k-limit"></small></div>
    <div class="card"><span class="k">Throughput</span><b id="k-rate">–</b><small>tasks/s, last 5 s</small></div>
    <div class="card"><span class="k">Last compute</span><b id="k-last">–</b><small id="k-last-label" class="ellipsis"></small></div>
  </section>
  <section class="panel">
    <div class="panel-head"><h2>Task stream</h2><span class="hint" id="stream-range"></span>
      <div class="seg" id="window"><button data-w="compute" class="on">last compute</button><button data-w="10000">10 s</button><button data-w="60000">60 s</button></div></div>
    <div class="stream-wrap"><canvas id="stream" aria-label="task stream: one row per worker thread, one rectangle per task"></canvas><div id="tip" class="tip"></div></div>
    <div id="legend" class="legend"></div>
  </section>
  <div class="grid2">
    <section class="panel"><div class="panel-head"><h2>Progress</h2><span class="hint">per task group</span></div>
      <div id="progress" class="bars"></div>
      <div class="legend states"><span><i class="st-memory"></i>in memory</span><span><i class="st-done"></i>done (released)</span><span><i class="st-processing"></i>processing</span><span><i class="st-waiting"></i>waiting</span><span><i class="st-erred"></i>erred</span></div>
      <div class="panel-head sub"><h3>Thread time per task group</h3><span class="hint">recent tasks: count, mean duration</span></div>
      <div id="grouptime" class="bars"></div>
    </section>
    <section class="panel"><div class="panel-head"><h2>Bytes stored per worker</h2><span class="hint">native memory vs limit</span></div>
      <div id="memory" class="bars"></div>
      <canvas id="memchart" aria-label="bytes stored over time"></canvas>
      <div class="panel-head sub"><h3>Tasks processing per worker</h3></div>
      <div id="processing" class="bars"></div>
      <div class="panel-head sub"><h3>CPU per worker</h3><span class="hint">process CPU between heartbeats</span></div>
      <div id="cpu" class="bars"></div>
    </section>
  </div>
  <section class="panel"><div class="panel-head"><h2>Computes</h2><span class="hint">progress per compute: tasks finished, bytes of its results, state, elapsed</span></div><div id="computes"></div></section>
  <section class="panel"><div class="panel-head"><h2>Workers</h2></div><div id="workers-table"></div></section>`,
  workers: `
  <section class="panel"><div class="panel-head"><h2>Workers</h2><span class="hint" id="workers-hint"></span></div><div id="workers-table"></div></section>
  <section class="panel"><div class="panel-head"><h2>Bytes stored per worker</h2><span class="hint">native memory vs limit</span></div><div id="memory" class="bars"></div>
    <canvas id="memchart" aria-label="bytes stored over time"></canvas>
    <div class="panel-head sub"><h3>Tasks processing per worker</h3></div>
    <div id="processing" class="bars"></div>
    <div class="panel-head sub"><h3>CPU per worker</h3><span class="hint">process CPU between heartbeats</span></div>
    <div id="cpu" class="bars"></div></section>`,
  graph: `
  <section class="panel"><div class="panel-head"><h2>Graph</h2><span class="hint" id="graph-label">no compute yet</span>
    <div class="seg"><button id="graph-reload">reload</button></div></div>
    <div id="graph" class="graph"><p class="empty">Run a compute and its task graph appears here (one node per fused stage and chunk; collapsed to one node per stage for large graphs).</p></div></section>`,
};

export const FAVICON =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" fill="#5aa9ff"><rect x="2" y="2" width="9" height="9" rx="1.5"/>' +
  '<rect x="13" y="2" width="9" height="9" rx="1.5" opacity=".55"/><rect x="2" y="13" width="9" height="9" rx="1.5" opacity=".55"/>' +
  '<rect x="13" y="13" width="9" height="9" rx="1.5" opacity=".3"/></svg>';

export function pageHtml(page: PageName): string {
  const nav = (['status', 'workers', 'graph'] as const)
    .map((p) => `<a href="/${p}"${p === page ? ' class="active" aria-current="page"' : ''}>${p[0]!.toUpperCase()}${p.slice(1)}</a>`)
    .join('');
  return `<!doctype html>
<html lang="en" data-page="${page}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>tessera · ${page}</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/static/dashboard.css">
<script>(function(){var t=null;try{t=localStorage.getItem('tessera-theme')}catch(e){}if(!t)t=matchMedia('(prefers-color-scheme: light)').matches?'light':'dark';document.documentElement.dataset.theme=t;})();</script>
</head>
<body>
<header class="top">
  <a class="brand" href="/status">${LOGO}<span>tessera</span></a>
  <nav>${nav}</nav>
  <div class="spacer"></div>
  <span id="conn" class="conn" title="live update stream">connecting…</span>
  <button id="theme" class="icon" title="switch dark/light theme" aria-label="switch theme">◐</button>
</header>
<main>${BODIES[page]}
</main>
<script src="/static/dashboard.js"></script>
</body>
</html>
`;
}

export const DASHBOARD_CSS = `
:root, [data-theme=dark] {
  --bg: #111418; --panel: #181c22; --panel2: #1f242c; --border: #2b323c; --text: #e3e7ec; --muted: #8d97a5;
  --accent: #5aa9ff; --grid: #262c35; --ok: #4cc38a; --warn: #f0b429; --bad: #ef5b5b;
  --st-memory: #4f8fe6; --st-done: #3d9970; --st-processing: #9ec5f8; --st-waiting: transparent; --st-erred: #ef5b5b;
  --transfer: #ff5d7a; --error: #f2f2f2; color-scheme: dark;
}
[data-theme=light] {
  --bg: #f4f6f8; --panel: #ffffff; --panel2: #f0f3f6; --border: #dde2e8; --text: #1b2330; --muted: #5d6877;
  --accent: #1f6fd1; --grid: #e8ecf0; --ok: #21875a; --warn: #b7791f; --bad: #d13f3f;
  --st-memory: #2f6fcc; --st-done: #2e8b62; --st-processing: #a9c9f5; --st-waiting: transparent; --st-erred: #d13f3f;
  --transfer: #e0315a; --error: #1b2330; color-scheme: light;
}
* { box-sizing: border-box; }
html, body { margin: 0; background: var(--bg); color: var(--text); }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif; }
.top { display: flex; align-items: center; gap: 18px; padding: 10px 20px; background: var(--panel); border-bottom: 1px solid var(--border); position: sticky; top: 0; z-index: 5; }
.brand { display: flex; align-items: center; gap: 8px; font-weight: 650; font-size: 17px; color: var(--text); text-decoration: none; letter-spacing: .2px; }
.logo { width: 22px; height: 22px; fill: var(--accent); }
nav { display: flex; gap: 4px; }
nav a { color: var(--muted); text-decoration: none; padding: 6px 12px; border-radius: 6px; font-weight: 550; }
nav a:hover { color: var(--text); background: var(--panel2); }
nav a.active { color: var(--text); background: var(--panel2); box-shadow: inset 0 -2px 0 var(--accent); }
.spacer { flex: 1; }
.conn { font-size: 12px; color: var(--muted); display: flex; align-items: center; gap: 6px; }
.conn::before { content: ""; width: 8px; height: 8px; border-radius: 50%; background: var(--muted); }
.conn.live::before { background: var(--ok); box-shadow: 0 0 6px var(--ok); }
.conn.down::before { background: var(--bad); }
button { font: inherit; color: var(--text); background: var(--panel2); border: 1px solid var(--border); border-radius: 6px; padding: 3px 10px; cursor: pointer; }
button.icon { font-size: 16px; padding: 2px 9px; }
main { padding: 16px 20px 28px; max-width: 1600px; margin: 0 auto; display: flex; flex-direction: column; gap: 14px; }
.cards { display: grid; grid-template-columns: repeat(6, minmax(0, 1fr)); gap: 12px; }
.card { background: var(--panel); border: 1px solid var(--border); border-radius: 10px; padding: 10px 14px; display: flex; flex-direction: column; min-width: 0; }
.card .k { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .6px; }
.card b { font-size: 24px; font-weight: 650; font-variant-numeric: tabular-nums; margin: 2px 0; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.card small { color: var(--muted); font-size: 12px; }
.ellipsis { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.panel { background: var(--panel); border: 1px solid var(--border); border-radius: 10px; padding: 12px 16px 14px; min-width: 0; }
.panel-head { display: flex; align-items: baseline; gap: 12px; margin-bottom: 10px; }
.panel-head.sub { margin: 14px 0 8px; }
h2 { font-size: 15px; margin: 0; font-weight: 650; }
h3 { font-size: 13px; margin: 0; font-weight: 600; color: var(--muted); }
.hint { color: var(--muted); font-size: 12px; }
.seg { margin-left: auto; display: flex; gap: 0; }
.seg button { border-radius: 0; margin-left: -1px; font-size: 12px; }
.seg button:first-child { border-radius: 6px 0 0 6px; }
.seg button:last-child { border-radius: 0 6px 6px 0; }
.seg button:only-child { border-radius: 6px; }
.seg button.on { background: var(--accent); border-color: var(--accent); color: #fff; }
.grid2 { display: grid; grid-template-columns: minmax(0, 1.15fr) minmax(0, 1fr); gap: 14px; }
.stream-wrap { position: relative; }
canvas { display: block; width: 100%; }
#stream { height: 200px; }
#memchart { height: 90px; margin-top: 10px; }
.tip { position: absolute; pointer-events: none; background: var(--panel2); border: 1px solid var(--border); border-radius: 6px; padding: 6px 9px; font-size: 12px; display: none; white-space: nowrap; box-shadow: 0 4px 14px rgba(0,0,0,.25); z-index: 3; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 16px; margin-top: 10px; font-size: 12px; color: var(--muted); }
.legend span { display: inline-flex; align-items: center; gap: 6px; }
.legend i { width: 12px; height: 12px; border-radius: 3px; display: inline-block; }
.legend.states i { border: 1px solid var(--border); }
.bars { display: flex; flex-direction: column; gap: 9px; }
.bar-row { display: grid; grid-template-columns: minmax(120px, 34%) 1fr auto; align-items: center; gap: 10px; font-size: 12.5px; }
.bar-row .name { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 12px; }
.bar-row .name i { width: 10px; height: 10px; border-radius: 2px; display: inline-block; margin-right: 6px; vertical-align: -1px; }
.bar-row .num { color: var(--muted); font-variant-numeric: tabular-nums; text-align: right; min-width: 120px; }
.track { height: 14px; background: var(--panel2); border: 1px solid var(--border); border-radius: 4px; overflow: hidden; display: flex; }
.track > div { height: 100%; transition: width .2s ease; }
.st-memory { background: var(--st-memory); } .st-done { background: var(--st-done); } .st-processing { background: var(--st-processing); }
.st-waiting { background: var(--st-waiting); } .st-erred { background: var(--st-erred); }
.mem-ok { background: var(--ok); } .mem-warn { background: var(--warn); } .mem-bad { background: var(--bad); }
.proc { background: var(--accent); } .cpu { background: var(--warn); }
td.prog { width: 28%; }
table { width: 100%; border-collapse: collapse; font-size: 13px; font-variant-numeric: tabular-nums; }
th { text-align: left; color: var(--muted); font-weight: 550; font-size: 12px; text-transform: uppercase; letter-spacing: .5px; padding: 6px 10px; border-bottom: 1px solid var(--border); }
td { padding: 7px 10px; border-bottom: 1px solid var(--grid); }
td.r, th.r { text-align: right; }
td .track { min-width: 140px; }
.badge { display: inline-block; font-size: 11px; border-radius: 10px; padding: 1px 8px; background: var(--panel2); border: 1px solid var(--border); }
.badge.ok { color: var(--ok); } .badge.bad { color: var(--bad); } .badge.run { color: var(--accent); } .badge.mem { color: var(--st-memory); }
.empty { color: var(--muted); font-size: 13px; margin: 6px 0; }
.graph { overflow: auto; max-height: calc(100vh - 170px); background: #fff; border-radius: 8px; padding: 10px; text-align: center; }
.graph svg { max-width: none; height: auto; }
.graph .empty { color: #555; }
@media (max-width: 1100px) { .cards { grid-template-columns: repeat(3, minmax(0, 1fr)); } .grid2 { grid-template-columns: 1fr; } }
`;
