// The browser side of the dashboard, served as /static/dashboard.js. Plain DOM + canvas, no
// dependencies: an EventSource receives one batched update per flush interval; drawing happens at
// most once per animation frame. (Kept as a string: it runs in the browser, not in Node.)
const CLIENT = String.raw`(function () {
  'use strict';
  var page = document.documentElement.dataset.page;
  var $ = function (id) { return document.getElementById(id); };
  var PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#76b7b2', '#edc948', '#b07aa1', '#9c755f', '#a0cbe8', '#8cd17d', '#ffbe7d', '#d4a6c8', '#86bcb6', '#f1ce63', '#bab0ac', '#5778a4', '#e49444'];
  var KIND_COLOR = { 1: '#d63fa0', 2: '#ff3b30' };
  var KIND_NAME = ['compute', 'transfer', 'error'];
  var rows = [], groups = [], tasks = [], snap = null, memSeries = [], graphVersion = -1, offset = 0;
  var MAX_TASKS = 40000;
  var windowMode = 'compute';
  var drawQueued = false;

  function css(name) { return getComputedStyle(document.documentElement).getPropertyValue(name).trim(); }
  function colorOf(g) { return PALETTE[g % PALETTE.length]; }
  function esc(s) { return String(s).replace(/[&<>"]/g, function (c) { return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]; }); }
  function fmtBytes(n) {
    var u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'], i = 0;
    while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
    return (i ? n.toFixed(n < 10 ? 2 : n < 100 ? 1 : 0) : String(Math.round(n))) + ' ' + u[i];
  }
  function fmtMs(ms) {
    if (ms < 1) return (ms * 1000).toFixed(0) + ' µs';
    if (ms < 1000) return ms.toFixed(ms < 10 ? 2 : 1) + ' ms';
    if (ms < 60000) return (ms / 1000).toFixed(2) + ' s';
    return Math.floor(ms / 60000) + 'm ' + ((ms % 60000) / 1000).toFixed(0) + 's';
  }
  function fmtInt(n) { return Math.round(n).toLocaleString('en-US'); }
  function now() { return Date.now() + offset; }
  function rowParts(key) { var i = key.lastIndexOf('#'); return { worker: key.slice(0, i), thread: Number(key.slice(i + 1)) }; }
  function workerName(id) {
    if (snap) for (var i = 0; i < snap.workers.length; i++) if (snap.workers[i].id === id) return snap.workers[i].name;
    return id;
  }

  // ---- theme -----------------------------------------------------------------------------
  $('theme').addEventListener('click', function () {
    var t = document.documentElement.dataset.theme === 'dark' ? 'light' : 'dark';
    document.documentElement.dataset.theme = t;
    try { localStorage.setItem('tessera-theme', t); } catch (e) {}
    requestDraw();
  });

  // ---- live stream -------------------------------------------------------------------------
  var conn = $('conn');
  function connect() {
    var es = new EventSource('/events');
    es.addEventListener('init', function (ev) {
      var m = JSON.parse(ev.data);
      rows = m.rows.slice(); groups = m.groups.slice(); tasks = m.tasks; memSeries = m.memorySeries.slice();
      setSnapshot(m.snapshot);
      checkGraph(m.graphVersion);
      conn.textContent = 'live'; conn.className = 'conn live';
      requestDraw();
    });
    es.addEventListener('update', function (ev) {
      var m = JSON.parse(ev.data), i;
      for (i = 0; i < m.rows.length; i++) rows[m.rowsFrom + i] = m.rows[i];
      for (i = 0; i < m.groups.length; i++) groups[m.groupsFrom + i] = m.groups[i];
      for (i = 0; i < m.tasks.length; i++) tasks.push(m.tasks[i]);
      if (tasks.length > MAX_TASKS) tasks.splice(0, tasks.length - MAX_TASKS);
      if (m.memory && (!memSeries.length || memSeries[memSeries.length - 1][0] !== m.memory[0])) memSeries.push(m.memory);
      if (memSeries.length > 1200) memSeries.splice(0, memSeries.length - 1200);
      setSnapshot(m.snapshot);
      checkGraph(m.graphVersion);
      requestDraw();
    });
    es.onopen = function () { conn.textContent = 'live'; conn.className = 'conn live'; };
    es.onerror = function () { conn.textContent = 'reconnecting…'; conn.className = 'conn down'; };
  }
  function setSnapshot(s) { snap = s; offset = s.now - Date.now(); }

  function requestDraw() {
    if (drawQueued) return;
    drawQueued = true;
    requestAnimationFrame(function () { drawQueued = false; draw(); });
  }
  // Keep the clock (heartbeat ages, the live window) moving between updates.
  setInterval(requestDraw, 500);

  function draw() {
    if (!snap) return;
    if (page === 'status') { drawCards(); drawStream(); drawLegend(); drawProgress(); drawGroupTime(); drawMemory(); drawProcessing(); drawCpu(); drawMemChart(); drawWorkers(); drawComputes(); }
    else if (page === 'workers') { drawWorkers(); drawMemory(); drawMemChart(); drawProcessing(); drawCpu(); $('workers-hint').textContent = snap.workers.length + ' worker(s)'; }
  }

  // ---- cards ----------------------------------------------------------------------------------
  function drawCards() {
    var live = snap.workers.filter(function (w) { return w.status === 'running'; });
    var threads = live.reduce(function (n, w) { return n + w.threads; }, 0);
    $('k-workers').textContent = String(live.length);
    $('k-threads').textContent = threads + ' thread' + (threads === 1 ? '' : 's');
    var t = snap.totals, fin = t.done + t.memory;
    $('total-progress').textContent = t.total ? Math.floor((100 * fin) / t.total) + '%' : '–';
    $('k-tasks').textContent = fmtInt(fin) + ' / ' + fmtInt(t.total) + ' tasks' + (t.erred ? ', ' + fmtInt(t.erred) + ' erred' : '');
    $('k-processing').textContent = fmtInt(t.processing);
    $('k-waiting').textContent = fmtInt(t.waiting) + ' waiting';
    $('k-bytes').textContent = fmtBytes(snap.bytes);
    $('k-limit').textContent = 'of ' + fmtBytes(snap.memoryLimit) + ' limit';
    $('k-rate').textContent = fmtInt(snap.tasksPerSecond);
    var c = snap.computes[snap.computes.length - 1];
    if (c) {
      $('k-last').textContent = c.status === 'running' ? fmtMs(now() - c.start) : c.status === 'error' ? 'failed' : fmtMs(c.end - c.start);
      $('k-last').dataset.status = c.status;
      $('k-last-label').textContent = (c.status === 'running' ? 'running · ' : '') + c.label;
      $('k-last-label').title = c.label;
    }
  }

  // ---- task stream ------------------------------------------------------------------------------
  var streamGeom = null;
  if ($('window')) $('window').addEventListener('click', function (e) {
    var b = e.target.closest('button'); if (!b) return;
    windowMode = b.dataset.w;
    Array.prototype.forEach.call(this.querySelectorAll('button'), function (x) { x.classList.toggle('on', x === b); });
    requestDraw();
  });
  function streamWindow() {
    var t1 = now();
    if (windowMode !== 'compute') return { t0: t1 - Number(windowMode), t1: t1, live: true };
    var c = snap.computes[snap.computes.length - 1];
    if (!c) return { t0: t1 - 10000, t1: t1, live: true };
    var end = c.end || t1, start = c.start;
    for (var i = tasks.length - 1; i >= 0 && i >= tasks.length - 20000; i--) {
      if (tasks[i][3] > end && tasks[i][2] < end + 1000) end = tasks[i][3];
    }
    var span = Math.max(end - start, 0.5);
    return { t0: start - span * 0.01, t1: end + span * 0.02, live: !c.end };
  }
  function fmtAxis(v, step) {
    if (v === 0) return '0';
    if (step >= 1000) return (v / 1000).toFixed(step % 1000 === 0 ? 0 : 1) + ' s';
    if (step >= 1) return v.toFixed(step % 1 === 0 ? 0 : 1) + ' ms';
    return (v * 1000).toFixed(step * 1000 >= 1 ? 0 : 1) + ' µs';
  }
  function niceStep(span, px) {
    var target = span / Math.max(2, px / 110), p = Math.pow(10, Math.floor(Math.log10(target))), m = target / p;
    return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
  }
  function setupCanvas(cv, cssH) {
    var dpr = window.devicePixelRatio || 1, w = cv.clientWidth;
    cv.style.height = cssH + 'px';
    if (cv.width !== Math.round(w * dpr) || cv.height !== Math.round(cssH * dpr)) { cv.width = Math.round(w * dpr); cv.height = Math.round(cssH * dpr); }
    var ctx = cv.getContext('2d'); ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    return { ctx: ctx, w: w, h: cssH };
  }
  function visibleRows() {
    var idx = [];
    for (var i = 0; i < rows.length; i++) if (rows[i] !== undefined) idx.push(i);
    idx.sort(function (a, b) {
      var x = rowParts(rows[a]), y = rowParts(rows[b]);
      return x.worker < y.worker ? -1 : x.worker > y.worker ? 1 : x.thread - y.thread;
    });
    return idx;
  }
  function drawStream() {
    var cv = $('stream'); if (!cv) return;
    var order = visibleRows(), ROW = 26, TOP = 6, AXIS = 24, GUT = 132;
    var g = setupCanvas(cv, Math.max(1, order.length) * ROW + TOP + AXIS), ctx = g.ctx, W = g.w - GUT - 8;
    var win = streamWindow(), span = win.t1 - win.t0;
    ctx.clearRect(0, 0, g.w, g.h);
    var pos = {}; order.forEach(function (r, i) { pos[r] = i; });
    ctx.font = '12px system-ui, sans-serif'; ctx.textBaseline = 'middle';
    for (var i = 0; i < order.length; i++) {
      var y = TOP + i * ROW;
      if (i % 2 === 0) { ctx.fillStyle = css('--panel2'); ctx.fillRect(GUT, y, W, ROW); }
      var p = rowParts(rows[order[i]]);
      ctx.fillStyle = css('--muted'); ctx.textAlign = 'right';
      ctx.fillText(workerName(p.worker) + ' · thread ' + p.thread, GUT - 10, y + ROW / 2);
    }
    // time axis
    var step = niceStep(span, W), first = Math.ceil(0 / step) * step, axisY = TOP + order.length * ROW;
    ctx.strokeStyle = css('--grid'); ctx.fillStyle = css('--muted'); ctx.textAlign = 'center'; ctx.lineWidth = 1;
    for (var t = first; t <= span + 1e-9; t += step) {
      var x = GUT + (t / span) * W;
      ctx.beginPath(); ctx.moveTo(Math.round(x) + 0.5, TOP); ctx.lineTo(Math.round(x) + 0.5, axisY + 4); ctx.stroke();
      var rel = win.live && windowMode !== 'compute';
      ctx.fillText(rel ? (span - t < step / 2 ? 'now' : '-' + fmtAxis(span - t, step)) : fmtAxis(t, step), Math.min(Math.max(x, GUT + 20), GUT + W - 20), axisY + 14);
    }
    // task rectangles
    var drawn = 0, perRow = {}, sep = css('--panel');
    for (var k = 0; k < tasks.length; k++) {
      var tk = tasks[k], r = pos[tk[0]];
      if (r === undefined || tk[3] < win.t0 || tk[2] > win.t1) continue;
      var x0 = GUT + ((tk[2] - win.t0) / span) * W, x1 = GUT + ((tk[3] - win.t0) / span) * W;
      x0 = Math.max(GUT, x0); x1 = Math.min(GUT + W, x1);
      var w = Math.max(1, x1 - x0);
      ctx.fillStyle = tk[4] ? KIND_COLOR[tk[4]] : colorOf(tk[1]);
      ctx.fillRect(x0, TOP + r * ROW + 3, w, ROW - 6);
      if (w > 4) { ctx.fillStyle = sep; ctx.fillRect(Math.round(x0 + w) - 1, TOP + r * ROW + 3, 1, ROW - 6); }
      drawn++; perRow[r] = (perRow[r] || 0) + 1;
    }
    // Tasks in flight (a task is drawn when it finishes): a translucent band on each busy thread
    // from the end of its last rectangle of this compute (or the compute's start) to now.
    var cur = snap.computes[snap.computes.length - 1], banded = 0;
    if (cur && cur.status === 'running') {
      var busy = {}, lastEnd = {};
      snap.workers.forEach(function (wk) { busy[wk.id] = wk.processing; });
      for (var le = tasks.length - 1; le >= 0 && le >= tasks.length - 20000; le--) {
        var tl = tasks[le];
        if (tl[3] >= cur.start && !(lastEnd[tl[0]] >= tl[3])) lastEnd[tl[0]] = tl[3];
      }
      var nowX = Math.min(GUT + W, GUT + ((now() - win.t0) / span) * W), empty = 0;
      for (var bi = 0; bi < order.length; bi++) {
        var rp = rowParts(rows[order[bi]]);
        if (!(busy[rp.worker] > rp.thread)) continue;
        var from = lastEnd[order[bi]] === undefined ? cur.start : Math.max(cur.start, lastEnd[order[bi]]);
        var bx0 = Math.max(GUT, GUT + ((from - win.t0) / span) * W);
        if (nowX <= bx0) continue;
        ctx.globalAlpha = 0.22; ctx.fillStyle = css('--accent');
        ctx.fillRect(bx0, TOP + bi * ROW + 3, nowX - bx0, ROW - 6); ctx.globalAlpha = 1;
        banded++;
        if (!perRow[bi]) empty++;
        if (!perRow[bi] && empty === 1 && nowX - bx0 > 200) {
          ctx.fillStyle = css('--text'); ctx.textAlign = 'left';
          ctx.fillText('running — tasks appear as they finish', bx0 + 8, TOP + bi * ROW + ROW / 2);
        }
      }
    }
    if (win.live) {
      ctx.strokeStyle = css('--accent'); ctx.beginPath();
      var nx = GUT + ((now() - win.t0) / span) * W;
      if (nx >= GUT && nx <= GUT + W) { ctx.moveTo(nx, TOP); ctx.lineTo(nx, axisY); ctx.stroke(); }
    }
    streamGeom = { order: order, ROW: ROW, TOP: TOP, GUT: GUT, W: W, win: win, span: span };
    cv.dataset.rects = String(drawn);
    cv.dataset.rows = String(order.length);
    cv.dataset.rowsWithTasks = String(Object.keys(perRow).length);
    var rng = $('stream-range');
    if (rng) rng.textContent = drawn ? fmtInt(drawn) + (drawn === 1 ? ' task in ' : ' tasks in ') + fmtMs(span) + (windowMode === 'compute' ? ' (last compute)' : '') : banded ? 'compute running' : 'no tasks in this window yet';
  }
  var tip = $('tip');
  if ($('stream')) {
    $('stream').addEventListener('mousemove', function (e) {
      if (!streamGeom) return;
      var rect = this.getBoundingClientRect(), x = e.clientX - rect.left, y = e.clientY - rect.top, G = streamGeom;
      var r = Math.floor((y - G.TOP) / G.ROW), t = G.win.t0 + ((x - G.GUT) / G.W) * G.span, tol = (3 / G.W) * G.span;
      var hit = null;
      if (r >= 0 && r < G.order.length && x >= G.GUT) {
        var row = G.order[r];
        for (var k = tasks.length - 1; k >= 0; k--) { var tk = tasks[k]; if (tk[0] === row && tk[2] - tol <= t && t <= tk[3] + tol) { hit = tk; break; } }
      }
      if (!hit) { tip.style.display = 'none'; return; }
      var p = rowParts(rows[hit[0]]);
      tip.innerHTML = '<b>' + esc(groups[hit[1]]) + '</b> (' + KIND_NAME[hit[4]] + ')<br>' + esc(workerName(p.worker)) + ', thread ' + p.thread + '<br>duration ' + fmtMs(hit[3] - hit[2]);
      tip.style.display = 'block';
      tip.style.left = Math.min(x + 14, rect.width - tip.offsetWidth - 4) + 'px'; tip.style.top = (y + 14) + 'px';
    });
    $('stream').addEventListener('mouseleave', function () { tip.style.display = 'none'; });
  }
  function drawLegend() {
    var el = $('legend'); if (!el) return;
    var seen = {}, items = [];
    snap.groups.slice(0, 16).forEach(function (g) { var i = groups.indexOf(g.name); if (i >= 0 && !seen[i]) { seen[i] = 1; items.push([colorOf(i), g.name]); } });
    items.push([KIND_COLOR[1], 'transfer'], [KIND_COLOR[2], 'error']);
    var html = items.map(function (it) { return '<span><i style="background:' + it[0] + '"></i>' + esc(it[1]) + '</span>'; }).join('');
    if (el.innerHTML !== html) el.innerHTML = html;
  }

  // ---- progress, memory, processing -------------------------------------------------------------
  function setHtml(el, html) { if (el && el.innerHTML !== html) el.innerHTML = html; }
  function pct(n, d) { return d > 0 ? Math.min(100, (100 * n) / d) : 0; }
  function drawProgress() {
    var el = $('progress'); if (!el) return;
    var list = snap.groups.slice(0, 12);
    if (!list.length) return setHtml(el, '<p class="empty">No computes yet.</p>');
    setHtml(el, list.map(function (g) {
      var ci = groups.indexOf(g.name), fin = g.done + g.memory;
      return '<div class="bar-row" data-group="' + esc(g.name) + '"><span class="name" title="' + esc(g.name) + '"><i style="background:' + colorOf(ci) + '"></i>' + esc(g.name) + '</span>' +
        '<div class="track">' +
        '<div class="st-memory" style="width:' + pct(g.memory, g.total) + '%"></div>' +
        '<div class="st-done" style="width:' + pct(g.done, g.total) + '%"></div>' +
        '<div class="st-erred" style="width:' + pct(g.erred, g.total) + '%"></div>' +
        '<div class="st-processing" style="width:' + pct(g.processing, g.total) + '%"></div></div>' +
        '<span class="num">' + fmtInt(fin) + ' / ' + fmtInt(g.total) + (g.erred ? ' · ' + g.erred + ' erred' : '') + (g.processing ? ' · ' + g.processing + ' running' : '') + '</span></div>';
    }).join(''));
  }
  function drawGroupTime() {
    var el = $('grouptime'); if (!el) return;
    var acc = {}, k, t;
    for (k = 0; k < tasks.length; k++) { t = tasks[k]; if (t[4]) continue; var a = acc[t[1]] || (acc[t[1]] = [0, 0]); a[0] += t[3] - t[2]; a[1]++; }
    var list = Object.keys(acc).map(function (g) { return [Number(g), acc[g][0], acc[g][1]]; }).sort(function (x, y) { return y[1] - x[1]; }).slice(0, 8);
    if (!list.length) return setHtml(el, '<p class="empty">No task records yet.</p>');
    var max = list[0][1];
    setHtml(el, list.map(function (x) {
      return '<div class="bar-row"><span class="name" title="' + esc(groups[x[0]]) + '"><i style="background:' + colorOf(x[0]) + '"></i>' + esc(groups[x[0]]) + '</span><div class="track"><div style="background:' +
        colorOf(x[0]) + ';width:' + pct(x[1], max) + '%"></div></div><span class="num">' + fmtMs(x[1]) + ' · ' + fmtInt(x[2]) + ' × ' + fmtMs(x[1] / x[2]) + '</span></div>';
    }).join(''));
  }
  function memClass(r) { return r < 0.6 ? 'mem-ok' : r < 0.85 ? 'mem-warn' : 'mem-bad'; }
  function drawMemory() {
    var el = $('memory'); if (!el) return;
    var ws = snap.workers.filter(function (w) { return w.status === 'running'; });
    if (!ws.length) return setHtml(el, '<p class="empty">No workers.</p>');
    setHtml(el, ws.map(function (w) {
      var r = w.memoryLimit ? w.bytes / w.memoryLimit : 0;
      return '<div class="bar-row" data-worker="' + esc(w.id) + '" data-bytes="' + w.bytes + '"><span class="name">' + esc(w.name) + '</span><div class="track"><div class="' + memClass(r) +
        '" style="width:' + Math.max(w.bytes > 0 ? 0.5 : 0, pct(w.bytes, w.memoryLimit)) + '%"></div></div><span class="num">' + fmtBytes(w.bytes) + ' / ' + fmtBytes(w.memoryLimit) + (w.spilled ? ' · ' + fmtBytes(w.spilled) + ' spilled' : '') + '</span></div>';
    }).join(''));
  }
  function drawProcessing() {
    var el = $('processing'); if (!el) return;
    var ws = snap.workers.filter(function (w) { return w.status === 'running'; });
    setHtml(el, ws.map(function (w) {
      return '<div class="bar-row"><span class="name">' + esc(w.name) + '</span><div class="track"><div class="proc" style="width:' + pct(w.processing, w.threads) + '%"></div></div><span class="num">' +
        w.processing + ' / ' + w.threads + ' threads</span></div>';
    }).join(''));
  }
  function drawMemChart() {
    var cv = $('memchart'); if (!cv) return;
    var g = setupCanvas(cv, 90), ctx = g.ctx, L = 64, R = 8, T = 8, B = 18, W = g.w - L - R, H = g.h - T - B;
    ctx.clearRect(0, 0, g.w, g.h);
    var t1 = now(), t0 = t1 - 120000, max = 1024 * 1024;
    var pts = memSeries.filter(function (p) { return p[0] >= t0 - 1000; });
    pts.forEach(function (p) { if (p[1] > max) max = p[1]; });
    max *= 1.15;
    ctx.strokeStyle = css('--grid'); ctx.fillStyle = css('--muted'); ctx.font = '11px system-ui, sans-serif'; ctx.textBaseline = 'middle'; ctx.textAlign = 'right';
    for (var k = 0; k <= 2; k++) { var y = T + H - (k / 2) * H; ctx.beginPath(); ctx.moveTo(L, Math.round(y) + 0.5); ctx.lineTo(L + W, Math.round(y) + 0.5); ctx.stroke(); ctx.fillText(fmtBytes((k / 2) * max), L - 6, y); }
    ctx.textAlign = 'left'; ctx.fillText('-2 min', L, T + H + 11); ctx.textAlign = 'right'; ctx.fillText('now', L + W, T + H + 11);
    if (!pts.length) return;
    ctx.beginPath();
    pts.forEach(function (p, i) { var x = L + ((p[0] - t0) / (t1 - t0)) * W, y = T + H - (p[1] / max) * H; if (i) ctx.lineTo(x, y); else ctx.moveTo(x, y); });
    ctx.strokeStyle = css('--accent'); ctx.lineWidth = 1.6; ctx.stroke(); ctx.lineWidth = 1;
    var last = pts[pts.length - 1];
    ctx.lineTo(L + ((last[0] - t0) / (t1 - t0)) * W, T + H); ctx.lineTo(L + ((pts[0][0] - t0) / (t1 - t0)) * W, T + H); ctx.closePath();
    ctx.globalAlpha = 0.15; ctx.fillStyle = css('--accent'); ctx.fill(); ctx.globalAlpha = 1;
  }
  function ago(ms) { return ms < 1500 ? 'just now' : fmtMs(ms) + ' ago'; }
  function drawWorkers() {
    var el = $('workers-table'); if (!el) return;
    if (!snap.workers.length) return setHtml(el, '<p class="empty">No workers yet.</p>');
    var head = '<table><thead><tr><th>Name</th><th>Address</th><th class="r">Threads</th><th class="r">CPU</th><th>Memory</th><th class="r">Processing</th><th class="r">Tasks done</th><th>Last heartbeat</th><th>Status</th></tr></thead><tbody>';
    var body = snap.workers.map(function (w) {
      var r = w.memoryLimit ? w.bytes / w.memoryLimit : 0;
      return '<tr data-worker="' + esc(w.id) + '"><td>' + esc(w.name) + '</td><td>' + esc(w.address) + '</td><td class="r">' + w.threads + '</td><td class="r">' + (w.cpu == null ? '–' : w.cpu.toFixed(0) + '%') + '</td>' +
        '<td><div class="bar-row" style="grid-template-columns:1fr auto"><div class="track"><div class="' + memClass(r) + '" style="width:' + pct(w.bytes, w.memoryLimit) + '%"></div></div><span class="num">' +
        fmtBytes(w.bytes) + ' / ' + fmtBytes(w.memoryLimit) + (w.spilled ? ' · ' + fmtBytes(w.spilled) + ' spilled' : '') + '</span></div></td><td class="r">' + w.processing + '</td><td class="r">' + fmtInt(w.tasksDone) + '</td><td>' + ago(now() - w.heartbeat) + '</td>' +
        '<td><span class="badge ' + (w.status === 'running' ? 'ok' : 'bad') + '">' + w.status + '</span></td></tr>';
    }).join('');
    setHtml(el, head + body + '</tbody></table>');
  }
  // Per-compute progress (Dask's /progress for each submission): one row per compute with its
  // tasks by state, the bytes of its results, its state and its elapsed time.
  var STATE_BADGE = { running: ['run', 'running'], memory: ['mem', 'in memory'], done: ['ok', 'done'], error: ['bad', 'error'] };
  function drawComputes() {
    var el = $('computes'); if (!el) return;
    var cs = snap.computes.slice().reverse();
    if (!cs.length) return setHtml(el, '<p class="empty">No computes yet.</p>');
    setHtml(el, '<table><thead><tr><th>Compute</th><th>Progress</th><th class="r">Tasks</th><th class="r">Bytes</th><th>State</th><th class="r">Elapsed</th><th>Started</th></tr></thead><tbody>' + cs.map(function (c) {
      var b = STATE_BADGE[c.state] || STATE_BADGE.done, fin = c.done + c.memory;
      var st = '<span class="badge ' + b[0] + '"' + (c.state === 'error' ? ' title="' + esc(c.error || '') + '"' : '') + '>' + b[1] + '</span>' + (c.released ? ' <span class="hint">released</span>' : '');
      var bar = '<div class="track">' +
        '<div class="st-memory" style="width:' + pct(c.memory, c.tasks) + '%"></div>' +
        '<div class="st-done" style="width:' + pct(c.done, c.tasks) + '%"></div>' +
        '<div class="st-erred" style="width:' + pct(c.erred, c.tasks) + '%"></div>' +
        '<div class="st-processing" style="width:' + pct(c.processing, c.tasks) + '%"></div></div>';
      var elapsed = c.status === 'running' ? now() - c.start : c.elapsed;
      return '<tr data-compute="' + esc(c.id) + '" data-state="' + c.state + '" data-done="' + fin + '" data-tasks="' + c.tasks + '"><td class="ellipsis" style="max-width:420px" title="' + esc(c.label) + '">' + esc(c.label) + '</td><td class="prog">' + bar + '</td>' +
        '<td class="r">' + fmtInt(fin) + ' / ' + fmtInt(c.tasks) + (c.processing ? ' · ' + c.processing + ' running' : '') + (c.erred ? ' · ' + c.erred + ' erred' : '') + '</td>' +
        '<td class="r">' + (c.bytes == null ? '–' : fmtBytes(c.bytes)) + '</td><td>' + st + '</td><td class="r">' + fmtMs(elapsed) + '</td><td>' + new Date(c.start).toLocaleTimeString() + '</td></tr>';
    }).join('') + '</tbody></table>');
  }
  function drawCpu() {
    var el = $('cpu'); if (!el) return;
    var ws = snap.workers.filter(function (w) { return w.status === 'running'; });
    if (!ws.length) return setHtml(el, '<p class="empty">No workers.</p>');
    setHtml(el, ws.map(function (w) {
      // percent of one core (as Dask shows it): the bar is full with every thread busy
      var full = 100 * Math.max(1, w.threads);
      return '<div class="bar-row" data-worker="' + esc(w.id) + '" data-cpu="' + (w.cpu == null ? '' : w.cpu) + '"><span class="name">' + esc(w.name) + '</span><div class="track"><div class="cpu" style="width:' + (w.cpu == null ? 0 : pct(w.cpu, full)) + '%"></div></div><span class="num">' +
        (w.cpu == null ? 'not reported' : w.cpu.toFixed(0) + ' % · max ' + full + ' %') + '</span></div>';
    }).join(''));
  }

  // ---- graph -----------------------------------------------------------------------------------
  var graphTimer = null;
  function checkGraph(v) {
    if (v === graphVersion) return;
    graphVersion = v;
    if (page !== 'graph' || v === 0) return;
    clearTimeout(graphTimer);
    graphTimer = setTimeout(loadGraph, 300);
  }
  function loadGraph() {
    fetch('/api/graph').then(function (r) { return r.json(); }).then(function (info) {
      if (!info) return;
      $('graph-label').textContent = info.label + ' · ' + fmtInt(info.taskCount) + (info.taskCount === 1 ? ' task in ' : ' tasks in ') + info.layers.length + (info.layers.length === 1 ? ' layer' : ' layers');
      return fetch('/api/graph.svg').then(function (r) { return r.ok ? r.text() : ''; }).then(function (svg) {
        if (!svg) return;
        var box = $('graph');
        box.innerHTML = svg.slice(svg.indexOf('<svg'));
        var el = box.querySelector('svg'), w = el ? parseFloat(el.getAttribute('width')) * (4 / 3) : 0;
        // Fit moderately wide drawings to the panel; very wide ones keep their size and scroll.
        if (el && w && w < box.clientWidth * 2.5) {
          el.style.maxWidth = '100%';
          // Small drawings are enlarged a little to stay legible.
          if (w < box.clientWidth / 2) el.style.width = Math.min(box.clientWidth - 24, w * 1.5) + 'px';
        }
        box.dataset.layers = String(info.layers.length);
      });
    }).catch(function () {});
  }
  if (page === 'graph') $('graph-reload').addEventListener('click', loadGraph);

  window.addEventListener('resize', requestDraw);
  connect();
})();
`;

export function clientScript(): string {
  return CLIENT;
}
