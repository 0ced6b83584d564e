// npm run soak [-- --duration=600 --cycles=10000 …]
// Boots the built API (own port, own temporary SQLite store) and, while workflows run and are replaced as
// they end, drives `cycles` connect → read a few events → disconnect → resume with Last-Event-ID cycles
// over `duration` seconds, plus clients that stop reading on a flood (the server must cut them off as too
// slow). Every client keeps its log per workflow; once the workflow has ended (a resume answers 204) the
// log must equal the store's events after the client's first id: same ids, types and data, no gap, no
// repeat. After a warm-up the server's figures (RSS and heap after a full GC, open fds, hub channels,
// timers, active handles, open streams) are the baseline; once every client is gone and every workflow
// has ended they must be back at it. Prints a Markdown table; exits 1 when a check fails.
import { writeFileSync } from 'node:fs';
import { startFlowcast, sleep } from './flowcast-server.mjs';
import { SseConnection } from './sse-connection.mjs';
import { floodWorkflow, random, Workload } from './workload.mjs';

const DEFAULTS = {
  duration: 600, // seconds of the measured phase
  cycles: 10_000,
  lanes: 32, // clients cycling at once
  longLanes: 2, // of which this many hold each connection for seconds (and meet the lifetime cap)
  workflows: 6, // steady-load workflows running at any time
  stalledEvery: 40, // seconds between episodes of clients that stop reading
  stalled: 3, // clients per episode
  floodLines: 60_000,
  warmup: 0, // seconds; 0: 5 % of the duration, at least 4
  // MB the RSS may end above its baseline (after a full GC; the allocator keeps pages: see docs). Node 22+
  // swings wider (V8 keeps more pages): 96 there.
  rssTolerance: Number(process.versions.node.split('.')[0]) >= 22 ? 96 : 64,
  heapTolerance: 8, // MB the used heap may end above its baseline (after a full GC)
  memoryEvery: 0, // seconds between RSS samples after a full GC during the soak; 0: a tenth of the duration
  seed: 0, // 0: a random one (printed)
  json: '', // also write the results as JSON to this file
  heapSnapshots: '', // a directory: the server writes a heap snapshot there at the baseline and at the end
};

/** `--name=value` arguments over DEFAULTS; `--stalled-every` sets `stalledEvery`. */
function parseOptions(argv) {
  const options = { ...DEFAULTS };
  for (const arg of argv) {
    const match = /^--([a-z-]+)=(.*)$/.exec(arg);
    const key = match?.[1].replace(/-([a-z])/g, (_, letter) => letter.toUpperCase());
    if (!match || !(key in DEFAULTS))
      throw new Error(`unknown argument ${arg}; known: ${Object.keys(DEFAULTS)}`);
    options[key] = typeof DEFAULTS[key] === 'number' ? Number(match[2]) : match[2];
    if (typeof DEFAULTS[key] === 'number' && !Number.isFinite(options[key]))
      throw new Error(`${arg}: not a number`);
  }
  options.seed ||= Math.floor(Math.random() * 2 ** 31) + 1;
  options.warmup ||= Math.max(4, Math.round(options.duration * 0.05));
  options.memoryEvery ||= Math.max(5, Math.round(options.duration / 10));
  return options;
}

const log = (line) => process.stderr.write(`[soak] ${line}\n`);
const mb = (bytes) => (bytes / 1_048_576).toFixed(1);

/** What one client received of one workflow, across all its connections. */
class ClientLog {
  /** Events after this id are the client's to receive (0: the whole log); null until known. */
  from = null;
  /** The last id received; null until the client has a cursor. */
  lastId = null;
  events = [];
  problem = null;

  constructor(workflowId, client, mode) {
    this.workflowId = workflowId;
    this.client = client;
    /** `replay`: starts with Last-Event-ID 0 (the whole log); `snapshot`: starts without one. */
    this.mode = mode;
  }

  get started() {
    return this.lastId !== null;
  }
}

class Stats {
  cycles = 0;
  statuses = {};
  snapshots = 0;
  fromZero = 0;
  resumes = 0;
  resumesByQuery = 0;
  hungUp = 0;
  received = 0;
  logsVerified = 0;
  wholeLogs = 0;
  eventsChecked = 0;
  mismatches = 0;
  stalled = 0;
  stalledCut = 0;
  errorCount = 0;
  errors = [];

  fail(message) {
    this.errorCount++;
    if (this.errors.length < 30) this.errors.push(message);
    if (this.errorCount <= 5) log(`error: ${message}`);
  }
}

/** Hands out `count` cycle starts evenly over `ms`; behind schedule, at once. */
class Pacer {
  issued = 0;

  constructor(count, ms) {
    this.count = count;
    this.ms = ms;
    this.start = performance.now();
  }

  async take() {
    const due = this.start + (this.issued++ * this.ms) / this.count;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
  }
}

/**
 * Opens a stream for `clientLog`: a resume after its last id (header, or the `lastEventId` query for one
 * in five), or its first connection (Last-Event-ID 0, or none: a snapshot). Events go into the log as
 * they are parsed; an id that does not follow the previous one is an error at once.
 */
function connect(ctx, clientLog, headers) {
  const { server, rng, stats } = ctx;
  let url = `${server.base}/api/workflows/${clientLog.workflowId}/stream`;
  const requestHeaders = { ...headers };
  if (clientLog.started) {
    stats.resumes++;
    if (rng() < 0.2) {
      url += `?lastEventId=${clientLog.lastId}`;
      stats.resumesByQuery++;
    } else requestHeaders['Last-Event-ID'] = String(clientLog.lastId);
  } else if (clientLog.mode === 'replay') {
    requestHeaders['Last-Event-ID'] = '0';
    stats.fromZero++;
    clientLog.from = 0;
    clientLog.lastId = 0;
  } else stats.snapshots++;
  let inSnapshot = !clientLog.started;
  let read = 0;
  const problem = (message) => {
    clientLog.problem ??= message;
    stats.fail(`${clientLog.client} on ${clientLog.workflowId}: ${message}`);
  };
  const conn = new SseConnection(url, requestHeaders, (event) => {
    if (inSnapshot) {
      if (event.type === 'stream:reset') problem(`stream:reset ${event.data}`);
      // The snapshot's events carry no id but the last, whose id is the workflow's latest: the cursor.
      if (event.id === null) return;
      inSnapshot = false;
      clientLog.from = event.id;
      clientLog.lastId = event.id;
      return;
    }
    if (event.id === null || !Number.isSafeInteger(event.id)) return problem(`${event.type} without an id`);
    if (event.id !== clientLog.lastId + 1) {
      problem(`${event.id <= clientLog.lastId ? 'repeat' : 'gap'}: ${event.id} after ${clientLog.lastId}`);
    }
    clientLog.events.push(event);
    clientLog.lastId = event.id;
    read++;
    stats.received++;
  });
  return { conn, read: () => read };
}

/**
 * One cycle: connect, read until `maxEvents` events or `maxMs`, hang up. Finished: the workflow has ended
 * and the client has all of it (a resume answered 204).
 */
async function cycle(ctx, clientLog, headers, { maxEvents, maxMs, hangUpAtOnce = false }) {
  const resuming = clientLog.started;
  const { conn, read } = connect(ctx, clientLog, headers);
  if (hangUpAtOnce) {
    // Gone while the request is authenticated, validated or its store reads are under way.
    await sleep(ctx.rng.int(0, 5));
  } else {
    // The limits count from the response head.
    await conn.until(() => conn.status !== 0, 10_000);
    await conn.until(() => read() >= maxEvents, maxMs);
  }
  conn.close();
  await conn.done;
  ctx.stats.cycles++;
  ctx.phase.cycles++;
  ctx.stats.statuses[conn.status] = (ctx.stats.statuses[conn.status] ?? 0) + 1;
  if (conn.status === 204 && resuming && conn.events === 0) return true;
  if (hangUpAtOnce) {
    ctx.stats.hungUp++;
    if (conn.status === 0) return false;
  }
  if (conn.status !== 200) {
    ctx.stats.fail(`${clientLog.client} on ${clientLog.workflowId}: answered ${conn.status || 'nothing'}`);
    await sleep(500);
  }
  return false;
}

/** Compares a finished client log with the store: the events after its first id, exactly. */
async function verify(ctx, clientLog) {
  const { stats } = ctx;
  const stored = await ctx.server.storedEvents(clientLog.workflowId, clientLog.from);
  const got = clientLog.events;
  let difference = null;
  for (let i = 0; i < Math.max(stored.length, got.length) && difference === null; i++) {
    const want = stored[i];
    const have = got[i];
    if (!want || !have)
      difference = `${got.length} events received, ${stored.length} stored after ${clientLog.from}`;
    else if (want.id !== have.id || want.type !== have.type || JSON.stringify(want.data) !== have.data) {
      difference = `event #${i}: received ${have.id} ${have.type} ${have.data.slice(0, 200)}, stored ${want.id} ${want.type} ${JSON.stringify(want.data).slice(0, 200)}`;
    }
  }
  // A resume answered 204, so the workflow has ended: the store's log ends with its final event (a client
  // whose snapshot came after the end has nothing after its first id).
  const last = stored.at(-1)?.type;
  if (last !== undefined && !['workflow:completed', 'workflow:failed', 'workflow:cancelled'].includes(last)) {
    difference ??= `the store's last event is ${last}, yet a resume answered 204`;
  }
  stats.logsVerified++;
  if (clientLog.from === 0) stats.wholeLogs++;
  stats.eventsChecked += stored.length;
  if (difference !== null) {
    stats.mismatches++;
    stats.fail(`${clientLog.client}'s log of ${clientLog.workflowId} differs from the store: ${difference}`);
  }
}

/** Resumes until the workflow has ended and the client has all of it, then verifies the log. */
async function readToEnd(ctx, clientLog, headers) {
  for (let i = 0; ; i++) {
    if (await cycle(ctx, clientLog, headers, { maxEvents: Infinity, maxMs: 120_000 })) break;
    if (i > 20) {
      ctx.stats.fail(`${clientLog.client} on ${clientLog.workflowId}: no 204 after 20 resumes`);
      return;
    }
  }
  await verify(ctx, clientLog);
}

/** A client cycling through the running workflows, one at a time, until the phase ends. */
async function lane(ctx, index) {
  const { rng, phase } = ctx;
  const headers = ctx.headers[index % ctx.headers.length];
  const long = index < ctx.options.longLanes;
  let current = null;
  for (;;) {
    if (current === null) {
      if (phase.stopping()) return;
      const ids = ctx.workload.running();
      if (ids.length === 0) {
        await sleep(100);
        continue;
      }
      current = new ClientLog(rng.pick(ids), `client ${index}`, rng() < 0.5 ? 'replay' : 'snapshot');
    }
    if (phase.stopping()) {
      await readToEnd(ctx, current, headers);
      current = null;
      continue;
    }
    await phase.pacer.take();
    const limits = long
      ? { maxEvents: Infinity, maxMs: rng.int(5_000, 40_000) }
      : { maxEvents: rng.int(1, 25), maxMs: rng.int(50, 2_000), hangUpAtOnce: rng() < 0.05 };
    if (await cycle(ctx, current, headers, limits)) {
      await verify(ctx, current);
      current = null;
    } else await sleep(rng.int(0, 150));
  }
}

/**
 * Clients that stop reading: they open a stream on a flood workflow, pause their sockets and the flood
 * starts. Once it has ended they read again what the socket buffers held: the server must have cut each
 * of them off before the end (as too slow). Each then resumes by id and reads to the end like any client.
 */
async function stalledEpisode(ctx, n) {
  const { server, stats, options } = ctx;
  const id = await ctx.workload.create(floodWorkflow(`flood-${n}`, options.floodLines), 'flood', false);
  const clients = [];
  for (let i = 0; i < options.stalled; i++) {
    const clientLog = new ClientLog(id, `stalled ${n}.${i}`, i % 2 === 0 ? 'replay' : 'snapshot');
    const headers = ctx.headers[i % ctx.headers.length];
    const { conn } = connect(ctx, clientLog, headers);
    await conn.until(() => conn.status !== 0 && clientLog.started, 10_000);
    if (conn.status !== 200 || !clientLog.started) stats.fail(`${clientLog.client}: answered ${conn.status}`);
    conn.pause();
    clients.push({ clientLog, conn, headers });
  }
  stats.stalled += clients.length;
  const started = await server.api('POST', `/api/workflows/${id}/start`);
  if (started.status !== 202) stats.fail(`start of flood ${id} answered ${started.status}`);
  let finalId = 0;
  for (const deadline = performance.now() + 180_000; ; ) {
    const state = await server.api('GET', `/api/workflows/${id}`);
    if (['completed', 'failed', 'cancelled'].includes(state.body.status)) {
      finalId = state.body.lastEventId;
      break;
    }
    if (performance.now() > deadline) {
      stats.fail(`flood ${id} did not end in 180 s`);
      break;
    }
    await sleep(250);
  }
  for (const { clientLog, conn, headers } of clients) {
    conn.resume();
    await conn.until(() => false, 60_000);
    if (!conn.ended) {
      stats.fail(`${clientLog.client}: its stream was still open 60 s after it read again`);
      conn.close();
    }
    await conn.done;
    stats.cycles++;
    ctx.phase.cycles++;
    // Cut off, not ended normally (a lifetime cap or the close after the flood's end would be complete).
    if (!conn.complete && clientLog.lastId < finalId) stats.stalledCut++;
    else {
      stats.fail(
        `${clientLog.client} was not cut off: its response ended ${conn.complete ? 'normally' : 'cut'} ` +
          `after ${clientLog.lastId} of ${finalId} events`,
      );
    }
    // A few short resumes that hang up in the middle of the flood's replay, then the rest.
    for (let i = 0; i < 3; i++) {
      await cycle(ctx, clientLog, headers, { maxEvents: ctx.rng.int(1, 50), maxMs: ctx.rng.int(20, 300) });
    }
    await readToEnd(ctx, clientLog, headers);
  }
}

/** The figures compared with the baseline, from one scrape. */
function figuresOf(metrics) {
  const get = (name) => metrics.get(name) ?? 0;
  const resources = {};
  for (const [key, value] of metrics) {
    const match = /^flowcast_nodejs_active_resources\{type="(.+)"\}$/.exec(key);
    if (match) resources[match[1]] = value;
  }
  return {
    rss: get('flowcast_process_resident_memory_bytes'),
    heapUsed: get('flowcast_nodejs_heap_size_used_bytes'),
    heapTotal: get('flowcast_nodejs_heap_size_total_bytes'),
    external: get('flowcast_nodejs_external_memory_bytes'),
    fds: get('flowcast_process_open_fds'),
    channels: get('flowcast_sse_watched_workflows'),
    timers: resources.Timeout ?? 0,
    handles: get('flowcast_nodejs_active_handles_total'),
    streams: get('flowcast_sse_streams_open'),
    running: get('flowcast_workflows_running'),
    resources,
    counters: {
      opened: get('flowcast_sse_streams_opened_total'),
      slowDropped: get('flowcast_sse_slow_clients_dropped_total'),
      delivered: get('flowcast_sse_events_delivered_total'),
      stored: get('flowcast_events_stored_total'),
      heartbeats: get('flowcast_sse_heartbeats_total'),
      closedLifetime: get('flowcast_sse_streams_closed_total{reason="lifetime"}'),
      closedFinished: get('flowcast_sse_streams_closed_total{reason="finished"}'),
      closedClient: get('flowcast_sse_streams_closed_total{reason="client"}'),
    },
  };
}

/** Runs the load for `seconds` and `cycles`, then lets every client and workflow finish. */
async function runPhase(ctx, name, seconds, cycles) {
  const { options, rng, server } = ctx;
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  const phase = {
    name,
    cycles: 0,
    pacer: new Pacer(cycles, seconds * 1000),
    stopping: () => elapsed() >= seconds && phase.cycles >= cycles,
  };
  ctx.phase = phase;
  ctx.workload = new Workload(server, rng, options.workflows);
  const workloadRun = ctx.workload.run();
  const peaks = { rss: 0, fds: 0, streams: 0, channels: 0 };
  const progressEvery = seconds >= 120 ? 30 : 5;
  let nextProgress = progressEvery;
  // During the soak (not the warm-up): RSS and heap after a full GC now and then, to see a plateau or a climb.
  const memory = [];
  let nextMemory = name === 'soak' ? options.memoryEvery : Infinity;
  let hardStop = false;
  const sampler = (async () => {
    while (!hardStop) {
      await sleep(1_000);
      try {
        if (elapsed() >= nextMemory && !phase.stopping()) {
          nextMemory += options.memoryEvery;
          await server.collectGarbage();
          const settled = figuresOf(await server.metrics());
          memory.push({ at: Math.round(elapsed()), rss: settled.rss, heapUsed: settled.heapUsed });
        }
        const now = figuresOf(await server.metrics());
        for (const key of Object.keys(peaks)) peaks[key] = Math.max(peaks[key], now[key]);
        if (elapsed() >= nextProgress) {
          nextProgress += progressEvery;
          log(
            `${name} ${Math.round(elapsed())} s: ${phase.cycles}/${cycles} cycles, ${now.streams} streams, ` +
              `${now.channels} channels, RSS ${mb(now.rss)} MB, ${now.fds} fds, ${ctx.stats.logsVerified} logs ` +
              `verified (${ctx.stats.eventsChecked} events), ${ctx.stats.errorCount} errors`,
          );
        }
      } catch (error) {
        ctx.stats.fail(`metrics: ${error.message}`);
      }
      if (elapsed() > seconds * 2 + 300) {
        ctx.stats.fail(`${name}: still running after ${Math.round(elapsed())} s`);
        hardStop = true;
        await server.stop();
      }
    }
  })();
  // Once the phase is over no workflow is started, and what still runs a few seconds later is cancelled
  // (a cancel is an end like any other), so that the clients reading to the end are not kept long.
  const winding = (async () => {
    while (!phase.stopping() && !hardStop) await sleep(200);
    ctx.workload.stopped = true;
    await sleep(2_000);
    for (const id of ctx.workload.running()) await server.api('POST', `/api/workflows/${id}/cancel`);
  })();
  const lanes = Array.from({ length: options.lanes }, (_, index) => lane(ctx, index));
  const episodes = [];
  for (let n = 0; !phase.stopping() && !hardStop; n++) {
    const at = Math.min(options.stalledEvery * (n + 1 / 3), seconds * 0.8);
    while (elapsed() < at && !phase.stopping()) await sleep(200);
    if (phase.stopping() || (n > 0 && at >= seconds * 0.8)) break;
    episodes.push(
      stalledEpisode(ctx, `${name}-${n}`).catch((error) => ctx.stats.fail(`stalled: ${error.stack}`)),
    );
  }
  await Promise.all(lanes.map((run) => run.catch((error) => ctx.stats.fail(`client: ${error.stack}`))));
  await Promise.all(episodes);
  await winding;
  await ctx.workload.drain(120_000).catch((error) => ctx.stats.fail(error.message));
  await workloadRun;
  for (const error of ctx.workload.errors) ctx.stats.fail(error);
  hardStop = true;
  await sampler;
  return {
    seconds: elapsed(),
    cycles: phase.cycles,
    peaks,
    memory,
    workflows: ctx.workload.ended,
    started: ctx.workload.started,
  };
}

/** GC, scrape; repeated (up to `ms`) until `settled(figures)` holds. */
async function settledFigures(server, settled, ms) {
  const deadline = performance.now() + ms;
  for (;;) {
    await server.collectGarbage();
    const figures = figuresOf(await server.metrics());
    if (settled(figures) || performance.now() > deadline) return figures;
  }
}

const EXACT = [
  ['streams', 'open streams'],
  ['channels', 'hub channels (watched workflows)'],
  ['timers', 'timers (active Timeout resources)'],
  ['handles', 'active handles'],
  ['fds', 'open file descriptors'],
];

async function main() {
  const options = parseOptions(process.argv.slice(2));
  log(
    `seed ${options.seed}; ${options.cycles} cycles over ${options.duration} s after a ${options.warmup} s warm-up`,
  );
  const server = await startFlowcast(
    {
      SSE_MAX_STREAMS_PER_USER: '1000',
      SSE_HEARTBEAT_MS: '2000',
      SSE_CLOSE_GRACE_MS: '500',
      SSE_MAX_LIFETIME_MS: '5000',
      WORKFLOW_CONCURRENCY: String(options.workflows + 4),
    },
    { heapSnapshotDir: options.heapSnapshots },
  );
  const ctx = { options, server, rng: random(options.seed), stats: new Stats(), headers: [] };
  const result = { options, checks: [], ok: false };
  try {
    ctx.headers = await server.clientHeaders(8);
    await sleep(1_000);
    result.boot = await settledFigures(server, () => true, 0);

    const warmupCycles = Math.max(20, Math.round((options.cycles * options.warmup) / options.duration));
    log(`warm-up: ${warmupCycles} cycles over ${options.warmup} s`);
    const warmup = await runPhase(ctx, 'warm-up', options.warmup, warmupCycles);
    const idle = (f) => f.streams === 0 && f.channels === 0 && f.running === 0;
    const baseline = await settledFigures(server, idle, 20_000);
    await server.heapSnapshot();
    const warmStats = ctx.stats;
    ctx.stats = new Stats();

    log(`soak: ${options.cycles} cycles over ${options.duration} s`);
    const soak = await runPhase(ctx, 'soak', options.duration, options.cycles);
    const back = (f) => idle(f) && EXACT.every(([key]) => f[key] === baseline[key]);
    const end = await settledFigures(server, back, 30_000);
    await server.heapSnapshot();
    const stats = ctx.stats;

    const check = (name, ok, detail) => result.checks.push({ name, ok, detail });
    // The warm-up must leave nothing behind either: the baseline equals the figures right after boot.
    for (const [key, label] of EXACT) {
      check(
        `${label}: boot = baseline = end`,
        result.boot[key] === baseline[key] && end[key] === baseline[key],
        `${result.boot[key]} → ${baseline[key]} → ${end[key]}`,
      );
    }
    // Writing the baseline's heap snapshot takes native memory that stays: RSS is not compared then.
    if (!options.heapSnapshots) {
      check(
        `RSS after a full GC (+${options.rssTolerance} MB allowed)`,
        end.rss <= baseline.rss + options.rssTolerance * 1_048_576,
        `${mb(baseline.rss)} → ${mb(end.rss)} MB`,
      );
    }
    check(
      `heap used after a full GC (+${options.heapTolerance} MB allowed)`,
      end.heapUsed <= baseline.heapUsed + options.heapTolerance * 1_048_576,
      `${mb(baseline.heapUsed)} → ${mb(end.heapUsed)} MB`,
    );
    check(
      'active resources by type',
      JSON.stringify(Object.entries(end.resources).sort()) ===
        JSON.stringify(Object.entries(baseline.resources).sort()),
      `${JSON.stringify(baseline.resources)} → ${JSON.stringify(end.resources)}`,
    );
    check('cycles done', soak.cycles >= options.cycles, `${soak.cycles} of ${options.cycles}`);
    check(
      'client logs equal the store',
      stats.logsVerified > 0 && stats.mismatches === 0,
      `${stats.logsVerified} logs (${stats.wholeLogs} from id 0), ${stats.eventsChecked} events, ${stats.mismatches} differ`,
    );
    const slowDropped = end.counters.slowDropped - baseline.counters.slowDropped;
    check(
      'stalled clients cut off as too slow',
      stats.stalled > 0 && stats.stalledCut === stats.stalled && slowDropped >= stats.stalled,
      `${stats.stalledCut} of ${stats.stalled} cut; slow_clients_dropped +${slowDropped}`,
    );
    check(
      'no client or workload errors',
      stats.errorCount === 0 && warmStats.errorCount === 0,
      `${stats.errorCount + warmStats.errorCount} errors`,
    );
    check('the server kept running', server.running(), server.running() ? 'yes' : 'it exited');

    Object.assign(result, {
      warmup: { ...warmup, stats: warmStats },
      baseline,
      soak: { ...soak, stats },
      end,
      delta: Object.fromEntries(
        Object.entries(end.counters).map(([key, value]) => [key, value - baseline.counters[key]]),
      ),
    });
  } catch (error) {
    result.checks.push({ name: 'the soak ran to its end', ok: false, detail: error.stack });
  } finally {
    const code = await server.stop();
    result.checks.push({ name: 'the server exits 0 on SIGTERM', ok: code === 0, detail: String(code) });
  }
  result.ok = result.checks.every((c) => c.ok);
  if (!result.ok) log(`server output (last lines):\n${server.output().split('\n').slice(-40).join('\n')}`);
  report(result);
  if (options.json) writeFileSync(options.json, JSON.stringify(result, null, 2));
  process.exitCode = result.ok ? 0 : 1;
}

function report(result) {
  const lines = [];
  const { baseline, end, soak } = result;
  if (baseline && end && soak) {
    const s = soak.stats;
    lines.push(
      `Soak: ${soak.cycles} cycles in ${soak.seconds.toFixed(0)} s (seed ${result.options.seed}), ` +
        `${soak.started} workflows started, ${s.stalled} stalled clients`,
      '',
      '| figure | boot | baseline (after warm-up) | peak | end | allowed |',
      '| --- | --- | --- | --- | --- | --- |',
      `| RSS after a full GC | ${mb(result.boot.rss)} MB | ${mb(baseline.rss)} MB | ${mb(soak.peaks.rss)} MB | ${mb(end.rss)} MB | +${result.options.rssTolerance} MB |`,
      `| heap used after a full GC | ${mb(result.boot.heapUsed)} MB | ${mb(baseline.heapUsed)} MB | | ${mb(end.heapUsed)} MB | +${result.options.heapTolerance} MB |`,
      `| heap total / external after a full GC | ${mb(result.boot.heapTotal)} / ${mb(result.boot.external)} MB | ${mb(baseline.heapTotal)} / ${mb(baseline.external)} MB | | ${mb(end.heapTotal)} / ${mb(end.external)} MB | |`,
      `| open file descriptors | ${result.boot.fds} | ${baseline.fds} | ${soak.peaks.fds} | ${end.fds} | = |`,
      `| hub channels | ${result.boot.channels} | ${baseline.channels} | ${soak.peaks.channels} | ${end.channels} | = |`,
      `| timers (Timeout) | ${result.boot.timers} | ${baseline.timers} | | ${end.timers} | = |`,
      `| active handles | ${result.boot.handles} | ${baseline.handles} | | ${end.handles} | = |`,
      `| open streams | ${result.boot.streams} | ${baseline.streams} | ${soak.peaks.streams} | ${end.streams} | = |`,
      '',
      `RSS / heap used after a full GC during the soak: ${soak.memory.map((m) => `${m.at} s ${mb(m.rss)} / ${mb(m.heapUsed)} MB`).join(', ')}`,
      '',
      '| run | count |',
      '| --- | --- |',
      `| connect/read/disconnect cycles | ${soak.cycles} |`,
      `| of which resumes (Last-Event-ID; by query) | ${s.resumes} (${s.resumesByQuery}) |`,
      `| hung up before or right after the answer | ${s.hungUp} |`,
      `| first connects: snapshot / Last-Event-ID 0 | ${s.snapshots} / ${s.fromZero} |`,
      `| answers by status | ${Object.entries(s.statuses)
        .map(([k, v]) => `${k}: ${v}`)
        .join(', ')} |`,
      `| client logs verified against the store | ${s.logsVerified} (${s.wholeLogs} whole) |`,
      `| events checked | ${s.eventsChecked} |`,
      `| events received by the clients | ${s.received} |`,
      `| stalled clients cut off | ${s.stalledCut} of ${s.stalled} |`,
      `| workflows ended (kind: status) | ${Object.entries(soak.workflows)
        .map(
          ([kind, byStatus]) =>
            `${kind}: ${Object.entries(byStatus)
              .map(([k, v]) => `${v} ${k}`)
              .join(' ')}`,
        )
        .join('; ')} |`,
      `| server: events stored / delivered | ${result.delta.stored} / ${result.delta.delivered} |`,
      `| server: streams opened / heartbeats / lifetime cuts / slow cuts | ${result.delta.opened} / ${result.delta.heartbeats} / ${result.delta.closedLifetime} / ${result.delta.slowDropped} |`,
      '',
    );
    if (s.errors.length) lines.push('Errors:', ...s.errors.map((e) => `- ${e}`), '');
  }
  lines.push('| check | ok | detail |', '| --- | --- | --- |');
  for (const c of result.checks)
    lines.push(`| ${c.name} | ${c.ok ? 'yes' : 'NO'} | ${String(c.detail).split('\n')[0]} |`);
  for (const c of result.checks) if (!c.ok && String(c.detail).includes('\n')) lines.push('', c.detail);
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
