// npm run bench [-- --full] [-- --only=fanout,idle]
// Starts Flowcast (built, production mode, SQLite, auth on) and a bare node:http SSE server, drives the
// same scenarios against both with a load generator in its own process, prints one Markdown table and
// writes JSON to bench/results/. Quick mode (the default) finishes each scenario well under a minute.
import { fork, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, cpus, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { clusterScenario, createDatabase } from './cluster.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../..');
const MAIN = join(root, 'dist/apps/api/main.js');
// BENCH_BASELINE=path/to/an/older/main.js adds that build as a third server ("baseline"), run in the same
// bench run as the current one: before/after figures that share the machine's conditions.
const BASELINE = process.env.BENCH_BASELINE ? resolve(process.env.BENCH_BASELINE) : null;
// BENCH_STORE=postgres runs every Flowcast server on a fresh PostgreSQL database (BENCH_POSTGRES_URL's
// server) instead of its own SQLite file.
const ON_POSTGRES = process.env.BENCH_STORE === 'postgres';
const args = process.argv.slice(2);
const FULL = args.includes('--full');
const ONLY = (args.find((arg) => arg.startsWith('--only=')) ?? '')
  .slice('--only='.length)
  .split(',')
  .filter(Boolean);
// --fanout=1000,5000 overrides the fan-out client counts of the mode (for profiling one size).
const FANOUT = (args.find((arg) => arg.startsWith('--fanout=')) ?? '')
  .slice('--fanout='.length)
  .split(',')
  .filter(Boolean)
  .map(Number);
// --repeat=3 runs every scenario 3 times (the servers alternating) and keeps, per scenario and server, the
// run with the median of its main figure; gaps, duplicates and errors are summed over every run.
const REPEAT = Math.max(
  1,
  Number((args.find((arg) => arg.startsWith('--repeat=')) ?? '--repeat=1').slice(9)) || 1,
);
const ADMIN_PASSWORD = 'bench-admin-password';
const CLK_TCK = 100;

const Q = FULL
  ? {
      fanout: [1000, 5000],
      fanoutSeconds: 15,
      rate: 20,
      many: [200, 10],
      manySeconds: 15,
      idle: 10_000,
      replayEvents: 100_000,
      replayClients: 100,
      ingestEvents: 100_000,
      ingestSubs: [0, 100, 1000],
      storm: 2000,
    }
  : {
      fanout: [200],
      fanoutSeconds: 6,
      rate: 20,
      many: [20, 5],
      manySeconds: 6,
      idle: 1000,
      replayEvents: 10_000,
      replayClients: 20,
      ingestEvents: 20_000,
      ingestSubs: [0, 100],
      storm: 300,
    };

const sleep = (ms) => new Promise((resolveSleep) => setTimeout(resolveSleep, ms));
const log = (line) => process.stderr.write(`[bench] ${line}\n`);

function freePort() {
  return new Promise((resolvePort) => {
    const probe = createServer();
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolvePort(port));
    });
  });
}

function cpuMicros(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) / CLK_TCK) * 1e6;
}

function rssBytes(pid) {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024;
}

/** An IPC child (the bare server or the load generator) with request/response by tag. */
function ipcChild(script, execArgv = []) {
  const child = fork(script, [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let tag = 0;
  const waiting = new Map();
  const firsts = [];
  child.on('message', (message) => {
    if (message.reply !== undefined && waiting.has(message.reply)) {
      waiting.get(message.reply)(message);
      waiting.delete(message.reply);
    } else firsts.push(message);
  });
  return {
    child,
    first: async () => {
      while (firsts.length === 0) await sleep(10);
      return firsts.shift();
    },
    call: (cmd, extra = {}) =>
      new Promise((resolveCall) => {
        const t = ++tag;
        waiting.set(t, resolveCall);
        child.send({ cmd, tag: t, ...extra });
      }),
    send: (message) => child.send(message),
    kill: () => child.kill('SIGKILL'),
    /** SIGTERM and wait: the child exits normally (and writes its CPU profile, if any). */
    stop: () =>
      new Promise((done) => {
        child.once('exit', done);
        child.kill('SIGTERM');
      }),
  };
}

async function json(base, method, path, body, headers = {}) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { ...(body ? { 'Content-Type': 'application/json' } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

/**
 * Node flags for both servers: BENCH_CPU_PROF=dir writes a V8 CPU profile of each, per scenario
 * (node --cpu-prof); BENCH_NODE_ARGS adds any others (e.g. "--trace-opt --trace-deopt", printed on stdout).
 */
function serverNodeArgs() {
  const dir = process.env.BENCH_CPU_PROF;
  const extra = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  return [
    '--expose-gc',
    '-r',
    join(here, 'gc-on-signal.cjs'),
    ...(dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : []),
    ...extra,
  ];
}

/**
 * The server's RSS once it has collected its garbage (SIGUSR2, see gc-on-signal.cjs): memory per connection
 * is the growth of this figure, i.e. what the server keeps per open stream. Without it, the figure swung
 * with the moment of the last collection (a connect path that leaves more garbage read as more memory).
 */
async function settledRss(target) {
  process.kill(target.pid, 'SIGUSR2');
  await sleep(1_000);
  return rssBytes(target.pid);
}

async function startFlowcast(extraEnv = {}, main = MAIN, name = 'flowcast') {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'flowcast-bench-'));
  const database = ON_POSTGRES && extraEnv.DATABASE_URL === undefined ? await createDatabase() : null;
  if (database) extraEnv = { ...extraEnv, DATABASE_URL: database.url };
  const child = spawn(process.execPath, [...serverNodeArgs(), main], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: `sqlite:${join(dataDir, 'flowcast.db')}`,
      DEMO: 'false',
      LOG_LEVEL: 'warn',
      ADMIN_PASSWORD,
      SSE_MAX_STREAMS_PER_USER: '100000',
      SSE_MAX_STREAMS: '100000',
      WORKFLOW_CONCURRENCY: '500',
      ...extraEnv,
    },
    stdio: ['ignore', process.env.BENCH_NODE_ARGS ? 'inherit' : 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${base}/api/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (i > 200) throw new Error('Flowcast did not start');
    await sleep(50);
  }
  const login = await json(base, 'POST', '/api/auth/login', { username: 'admin', password: ADMIN_PASSWORD });
  const cookie = login.headers.get('set-cookie').split(';')[0];
  const tokens = [];
  const makeToken = async () =>
    (
      await json(
        base,
        'POST',
        '/api/auth/tokens',
        { name: 'bench' },
        { Cookie: cookie, 'X-Requested-With': 'flowcast' },
      )
    ).body.token;
  const admin = await makeToken();
  return {
    name,
    kind: 'flowcast',
    pid: child.pid,
    database,
    base,
    auth: { Authorization: `Bearer ${admin}` },
    /** One bearer token per client (up to 1,000 distinct tokens, reused round-robin beyond that). */
    async clientHeaders(count) {
      const want = Math.min(count, 1000);
      while (tokens.length < want)
        tokens.push(
          ...(await Promise.all(Array.from({ length: Math.min(50, want - tokens.length) }, makeToken))),
        );
      return Array.from({ length: count }, (_, i) => ({
        Authorization: `Bearer ${tokens[i % tokens.length]}`,
      }));
    },
    async stop() {
      child.kill('SIGTERM');
      await new Promise((done) => child.once('exit', done));
      rmSync(dataDir, { recursive: true, force: true });
      await database?.drop();
    },
  };
}

async function startBare() {
  const server = ipcChild(join(here, 'bare-server.mjs'), serverNodeArgs());
  const { port, pid } = await server.first();
  return {
    name: 'bare',
    kind: 'bare',
    pid,
    base: `http://127.0.0.1:${port}`,
    ipc: server,
    async clientHeaders(count) {
      return Array.from({ length: count }, () => ({}));
    },
    async stop() {
      await server.stop();
    },
  };
}

/** Load generators of the running scenario; whatever a failed scenario left running is killed after it. */
const loaders = new Set();

function startLoader() {
  const loader = ipcChild(join(here, 'load-client.mjs'));
  loaders.add(loader);
  loader.child.once('exit', () => loaders.delete(loader));
  return loader;
}

/** A shell step printing its own clock (ms, 3 decimals) `rate` times a second for `seconds`. */
function clockAgent(name, rate, seconds) {
  const script = `const end=Date.now()+${seconds * 1000};const t=setInterval(()=>{console.log((performance.timeOrigin+performance.now()).toFixed(3));if(Date.now()>end)clearInterval(t)},${1000 / rate})`;
  return {
    name,
    role: 'clock',
    prompt: 'print the time',
    runner: { type: 'shell', command: process.execPath, args: ['-e', script] },
  };
}

function shellLoopAgent(name, rate, seconds) {
  // A light emitter for many workflows at once: one bash per workflow and no fork per line (the clock is
  // $EPOCHREALTIME, the pause a `read -t` on a pipe nobody writes to). A `date; sleep` loop forked two
  // processes per line, ~800 a second at 200 workflows: load on the machine that only one side of the
  // comparison paid for.
  const n = Math.ceil(rate * seconds);
  const script = `exec 3<> <(:); i=0; while [ $i -lt ${n} ]; do t=\${EPOCHREALTIME/./}; printf '%d.%03d\\n' $((t/1000)) $((t%1000)); read -t ${1 / rate} -u 3; i=$((i+1)); done`;
  return {
    name,
    role: 'clock',
    prompt: 'print the time',
    runner: { type: 'shell', command: 'bash', args: ['-c', script] },
  };
}

async function openClients(loader, target, streamPath, count, extra = {}) {
  const headers = await target.clientHeaders(count); // created before any memory baseline is taken
  // Open in batches so that the listen backlog is not the thing being measured.
  for (let start = 0; start < count; start += 250) {
    const batch = headers.slice(start, start + 250);
    for (const h of batch)
      loader.send({
        cmd: 'open',
        count: 1,
        url: `${target.base}${streamPath}`,
        headers: h,
        tag: -1,
        ...extra,
      });
    await sleep(20);
  }
}

async function waitFor(check, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/**
 * Waits until `count` clients have had their first frame or failed, and returns the loader's report (its
 * `failed` is reported as the scenario's errors). On timeout the error says how far the clients got.
 */
async function allAnswered(loader, count, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const report = await loader.call('report');
    if (report.firstFrame + report.failed >= count) return report;
    if (Date.now() > deadline) {
      const { opened, failed, firstFrame, statuses } = report;
      throw new Error(
        `timed out waiting for ${what}: ${JSON.stringify({ count, opened, firstFrame, failed, statuses })}`,
      );
    }
    await sleep(50);
  }
}

async function measureFlow(target, loader, seconds) {
  const commits0 = await target.database?.commits();
  const cpu0 = cpuMicros(target.pid);
  const before = await loader.call('report');
  await loader.call('latency-start');
  let peakRss = rssBytes(target.pid);
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssBytes(target.pid))), 200);
  await sleep(seconds * 1000);
  clearInterval(sampler);
  const latency = await loader.call('latency-stop');
  const after = await loader.call('report');
  const cpu1 = cpuMicros(target.pid);
  const delivered = after.events - before.events;
  // PostgreSQL's statistics lag by up to a second: read them after it.
  const commits1 = commits0 === undefined ? undefined : (await sleep(1_100), await target.database.commits());
  return {
    ...(commits0 === undefined ? {} : { commitsPerSec: Math.round((commits1 - commits0) / seconds) }),
    eventsPerSec: Math.round(delivered / seconds),
    cpuMicrosPerEvent: delivered > 0 ? +((cpu1 - cpu0) / delivered).toFixed(2) : null,
    p50: latency.p50 === null ? null : +latency.p50.toFixed(1),
    p99: latency.p99 === null ? null : +latency.p99.toFixed(1),
    max: latency.max === null ? null : +latency.max.toFixed(1),
    peakRss,
    gaps: after.gaps,
    duplicates: after.duplicates,
    errors: after.failed,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Scenarios. Each returns one row per server.
// ---------------------------------------------------------------------------------------------------------

async function fanout(clients, target) {
  const loader = startLoader();
  await loader.first();
  const seconds = Q.fanoutSeconds;
  await target.clientHeaders(clients); // tokens exist before the memory baseline
  await sleep(300);
  const rssIdle0 = await settledRss(target);
  let path;
  let startFlow;
  if (target.kind === 'flowcast') {
    const created = await json(
      target.base,
      'POST',
      '/api/workflows',
      { name: 'fan-out', agents: [clockAgent('clock', Q.rate, seconds + 6)] },
      target.auth,
    );
    path = `/api/workflows/${created.body.id}/stream`;
    startFlow = () =>
      json(target.base, 'POST', `/api/workflows/${created.body.id}/start`, undefined, target.auth);
  } else {
    path = '/stream/fanout';
    startFlow = async () =>
      target.ipc.send({
        cmd: 'run',
        channels: ['fanout'],
        ratePerSec: Q.rate,
        durationMs: (seconds + 6) * 1000,
      });
  }
  await openClients(loader, target, path, clients);
  await allAnswered(loader, clients, 60_000, 'snapshots');
  await sleep(500);
  const rssPerConnection = Math.round(((await settledRss(target)) - rssIdle0) / clients);
  await startFlow();
  await sleep(2_000);
  const flow = await measureFlow(target, loader, seconds);
  await loader.call('close');
  loader.kill();
  return {
    scenario: `fan-out ${clients} clients × ${Q.rate}/s`,
    offered: clients * Q.rate,
    rssPerConnection,
    ...flow,
  };
}

async function manyWorkflows(target) {
  const [workflows, perWorkflow] = Q.many;
  const loader = startLoader();
  await loader.first();
  const seconds = Q.manySeconds;
  const rate = 2;
  const paths = [];
  const ids = [];
  if (target.kind === 'flowcast') {
    for (let i = 0; i < workflows; i++) {
      const created = await json(
        target.base,
        'POST',
        '/api/workflows',
        { name: `w${i}`, agents: [shellLoopAgent('clock', rate, seconds + 6)] },
        target.auth,
      );
      ids.push(created.body.id);
      paths.push(`/api/workflows/${created.body.id}/stream`);
    }
  } else {
    for (let i = 0; i < workflows; i++) paths.push(`/stream/w${i}`);
  }
  for (const path of paths) await openClients(loader, target, path, perWorkflow);
  await allAnswered(loader, workflows * perWorkflow, 60_000, 'snapshots');
  if (target.kind === 'flowcast') {
    await Promise.all(
      ids.map((id) => json(target.base, 'POST', `/api/workflows/${id}/start`, undefined, target.auth)),
    );
  } else {
    target.ipc.send({
      cmd: 'run',
      channels: paths.map((p) => p.split('/').pop()),
      ratePerSec: rate,
      durationMs: (seconds + 6) * 1000,
      // 200 workflows are 200 independent producers (in Flowcast, 200 processes): one timer per channel,
      // at a random phase. All channels in one tick would be a cheaper, burstier workload (about half the
      // CPU per event, p99 3-6x higher) than the one Flowcast gets.
      independent: true,
    });
  }
  await sleep(2_000);
  const flow = await measureFlow(target, loader, seconds);
  await loader.call('close');
  loader.kill();
  return {
    scenario: `many: ${workflows} workflows × ${perWorkflow} clients × ${rate}/s`,
    offered: workflows * perWorkflow * rate,
    ...flow,
  };
}

/** A stream that stays quiet: a pending Flowcast workflow, or an unused bare channel. */
async function quietStreamPath(target, name) {
  if (target.kind !== 'flowcast') return `/stream/${name}`;
  const created = await json(
    target.base,
    'POST',
    '/api/workflows',
    { name, agents: [clockAgent('clock', 1, 1)] },
    target.auth,
  );
  return `/api/workflows/${created.body.id}/stream`;
}

async function idle(target) {
  const clients = Q.idle;
  const loader = startLoader();
  await loader.first();
  const path = await quietStreamPath(target, 'idle');
  await target.clientHeaders(clients); // tokens exist before the memory baseline
  await sleep(500);
  const rss0 = await settledRss(target);
  await openClients(loader, target, path, clients);
  await allAnswered(loader, clients, 120_000, 'idle snapshots');
  await sleep(2_000);
  const rss1 = await settledRss(target);
  const report = await loader.call('report');
  await loader.call('close');
  loader.kill();
  return {
    scenario: `idle: ${clients} open streams`,
    rssPerConnection: Math.round((rss1 - rss0) / clients),
    errors: report.failed,
    peakRss: rss1,
  };
}

async function replay(target) {
  const events = Q.replayEvents;
  const clients = Q.replayClients;
  const loader = startLoader();
  await loader.first();
  let path;
  let total;
  if (target.kind === 'flowcast') {
    const created = await json(
      target.base,
      'POST',
      '/api/workflows?start=true',
      {
        name: 'replay',
        agents: [
          {
            name: 'seq',
            role: 'seq',
            prompt: 'seq',
            runner: { type: 'shell', command: 'seq', args: ['1', String(events)] },
          },
        ],
      },
      target.auth,
    );
    const id = created.body.id;
    await waitFor(
      async () =>
        ['completed', 'failed'].includes(
          (await json(target.base, 'GET', `/api/workflows/${id}`, undefined, target.auth)).body.status,
        ),
      120_000,
      'replay workflow',
    );
    total = (await json(target.base, 'GET', `/api/workflows/${id}`, undefined, target.auth)).body.lastEventId;
    path = `/api/workflows/${id}/stream`;
  } else {
    path = '/stream/replay';
    target.ipc.send({ cmd: 'fill', channel: 'replay', count: events });
    await target.ipc.first();
    total = events;
  }
  const rss0 = rssBytes(target.pid);
  let peakRss = rss0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssBytes(target.pid))), 50);
  const started = performance.now();
  await openClients(loader, target, path, clients, { lastEventId: 0 });
  const report = await waitFor(
    async () => {
      const r = await loader.call('report');
      return r.events >= clients * total ? r : null;
    },
    300_000,
    'replay',
  );
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  await loader.call('close');
  loader.kill();
  return {
    scenario: `replay: ${clients} clients from id 0 of ${total} events`,
    eventsPerSec: Math.round((clients * total) / seconds),
    seconds: +seconds.toFixed(2),
    peakRss,
    gaps: report.gaps,
    duplicates: report.duplicates,
    errors: report.failed,
  };
}

async function ingest(target, subscribers) {
  const events = Q.ingestEvents;
  const loader = startLoader();
  await loader.first();
  const created = await json(
    target.base,
    'POST',
    '/api/workflows',
    {
      name: 'ingest',
      agents: [
        {
          name: 'seq',
          role: 'seq',
          prompt: 'seq',
          runner: { type: 'shell', command: 'seq', args: ['1', String(events)] },
        },
      ],
    },
    target.auth,
  );
  const id = created.body.id;
  if (subscribers > 0) {
    await openClients(loader, target, `/api/workflows/${id}/stream`, subscribers);
    await allAnswered(loader, subscribers, 60_000, 'ingest subscribers');
  }
  const started = performance.now();
  await json(target.base, 'POST', `/api/workflows/${id}/start`, undefined, target.auth);
  const final = await waitFor(
    async () => {
      const detail = (await json(target.base, 'GET', `/api/workflows/${id}`, undefined, target.auth)).body;
      return ['completed', 'failed'].includes(detail.status) ? detail : null;
    },
    300_000,
    'ingest',
  );
  const seconds = (performance.now() - started) / 1000;
  await sleep(300);
  const report = await loader.call('report');
  await loader.call('close');
  loader.kill();
  return {
    scenario: `ingest: ${events} events, ${subscribers} subscribers`,
    storedPerSec: Math.round(final.lastEventId / seconds),
    // Events the subscribers received in all (a subscriber cut off as too slow stops receiving).
    delivered: report.events,
    gaps: report.gaps,
    duplicates: report.duplicates,
    errors: report.failed,
  };
}

async function storm(target) {
  const clients = Q.storm;
  const loader = startLoader();
  await loader.first();
  const path = await quietStreamPath(target, 'storm');
  const headers = await target.clientHeaders(clients);
  const started = performance.now();
  // All within one second: ten waves, 100 ms apart.
  for (let wave = 0; wave < 10; wave++) {
    for (const h of headers.slice((wave * clients) / 10, ((wave + 1) * clients) / 10))
      loader.send({ cmd: 'open', count: 1, url: `${target.base}${path}`, headers: h, tag: -1 });
    await sleep(100);
  }
  const report = await waitFor(
    async () => {
      const r = await loader.call('report');
      return r.firstFrame + r.failed >= clients ? r : null;
    },
    120_000,
    'storm',
  );
  const seconds = (performance.now() - started) / 1000;
  await loader.call('close');
  loader.kill();
  return {
    scenario: `connect storm: ${clients} clients in 1 s`,
    secondsToAllSnapshots: +seconds.toFixed(2),
    errors: report.failed,
  };
}

// ---------------------------------------------------------------------------------------------------------

const scenarios = {
  fanout: async (server) => {
    const rows = [];
    for (const clients of FANOUT.length > 0 ? FANOUT : Q.fanout) rows.push(await fanout(clients, server));
    return rows;
  },
  many: async (server) => [await manyWorkflows(server)],
  idle: async (server) => [await idle(server)],
  replay: async (server) => [await replay(server)],
  ingest: async (server) => {
    if (server.kind === 'bare') return [];
    const rows = [];
    for (const subscribers of Q.ingestSubs) rows.push(await ingest(server, subscribers));
    return rows;
  },
  storm: async (server) => [await storm(server)],
};

/** Not per server: one instance against two (see cluster.mjs). */
async function cluster() {
  log('cluster: one instance, then two instances with Redis');
  try {
    return await clusterScenario({
      clients: FULL ? 1000 : 200,
      seconds: Q.fanoutSeconds,
      rate: Q.rate,
      h: {
        freePort,
        sleep,
        startFlowcast,
        json,
        clockAgent,
        startLoader,
        openClients,
        allAnswered,
        cpuMicros,
      },
    });
  } catch (error) {
    log(`cluster failed: ${error.message}`);
    return [{ server: 'two instances', scenario: 'cluster', error: error.message }];
  } finally {
    for (const loader of loaders) loader.kill();
  }
}

async function main() {
  const results = [];
  for (const [name, run] of Object.entries(scenarios)) {
    if (ONLY.length > 0 && !ONLY.includes(name)) continue;
    // Replay and ingest measure the store at its hardest: one stored event per line (no log batching).
    const flowcastEnv = ['replay', 'ingest'].includes(name) ? { LOG_BATCH_THRESHOLD: '1000000000' } : {};
    const runs = [];
    for (let round = 1; round <= REPEAT; round++) {
      const servers = [
        () => startFlowcast(flowcastEnv),
        ...(BASELINE ? [() => startFlowcast(flowcastEnv, BASELINE, 'baseline')] : []),
        startBare,
      ];
      for (const start of servers) {
        if (name === 'ingest' && start === startBare) continue;
        const server = await start();
        log(`${name} on ${server.name}${REPEAT > 1 ? ` (run ${round} of ${REPEAT})` : ''}`);
        try {
          for (const row of await run(server)) runs.push({ server: server.name, ...row });
        } catch (error) {
          runs.push({ server: server.name, scenario: name, error: error.message });
          log(`${name} on ${server.name} failed: ${error.message}`);
        } finally {
          for (const loader of loaders) loader.kill();
          await server.stop();
        }
      }
    }
    results.push(...medianRuns(runs));
  }
  if (ONLY.length === 0 || ONLY.includes('cluster')) results.push(...(await cluster()));
  const table = render(results);
  process.stdout.write(`\n${table}\n`);
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  const file = join(
    root,
    'bench/results',
    `${FULL ? 'full' : 'quick'}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`,
  );
  writeFileSync(
    file,
    JSON.stringify(
      {
        mode: FULL ? 'full' : 'quick',
        machine: { cpus: cpus().length, model: cpus()[0]?.model, memory: totalmem(), node: process.version },
        results,
      },
      null,
      2,
    ),
  );
  log(`wrote ${file}`);
}

/** The figure a run is ranked by when --repeat picks the median one. */
function mainFigure(row) {
  return (
    row.cpuMicrosPerEvent ??
    row.eventsPerSec ??
    row.storedPerSec ??
    row.secondsToAllSnapshots ??
    row.rssPerConnection ??
    0
  );
}

/** Per scenario and server, the run with the median main figure; gaps, duplicates and errors of all runs. */
function medianRuns(runs) {
  const groups = new Map();
  for (const row of runs) {
    const key = `${row.scenario}\u0000${row.server}`;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  return [...groups.values()].map((group) => {
    if (group.length === 1) return group[0];
    const ranked = [...group].sort((a, b) => mainFigure(a) - mainFigure(b));
    const sum = (field) =>
      group.some((row) => row[field] !== undefined)
        ? group.reduce((total, row) => total + (row[field] ?? 0), 0)
        : undefined;
    return {
      ...ranked[Math.floor((ranked.length - 1) / 2)],
      gaps: sum('gaps'),
      duplicates: sum('duplicates'),
      errors: sum('errors'),
      runs: group.length,
      range: [mainFigure(ranked[0]), mainFigure(ranked.at(-1))],
    };
  });
}

const MB = (bytes) => (bytes === undefined ? '' : `${(bytes / 1e6).toFixed(0)} MB`);
const KB = (bytes) => (bytes === undefined ? '' : `${(bytes / 1024).toFixed(1)} KB`);

function render(results) {
  const lines = [
    '| scenario | server | offered ev/s | delivered ev/s | CPU µs/event | p50 ms | p99 ms | max ms | RSS/conn | peak RSS | other | gaps/dups | errors |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | ---: |',
  ];
  for (const r of results) {
    const other = [
      r.storedPerSec !== undefined ? `${r.storedPerSec} stored/s` : '',
      r.delivered !== undefined ? `${r.delivered} delivered` : '',
      r.crossInstanceP99 !== undefined ? `cross-instance p99 ${r.crossInstanceP99} ms` : '',
      r.commitsPerSec !== undefined ? `${r.commitsPerSec} PostgreSQL commits/s` : '',
      r.secondsToAllSnapshots !== undefined ? `all snapshots in ${r.secondsToAllSnapshots} s` : '',
      r.seconds !== undefined ? `${r.seconds} s` : '',
      r.runs !== undefined ? `median of ${r.runs} (${r.range[0]}–${r.range[1]})` : '',
      r.error ? `FAILED: ${r.error}` : '',
    ]
      .filter(Boolean)
      .join('; ');
    lines.push(
      `| ${r.scenario} | ${r.server} | ${r.offered ?? ''} | ${r.eventsPerSec ?? ''} | ${r.cpuMicrosPerEvent ?? ''} | ${r.p50 ?? ''} | ${r.p99 ?? ''} | ${r.max ?? ''} | ${KB(r.rssPerConnection)} | ${MB(r.peakRss)} | ${other} | ${r.gaps ?? ''}/${r.duplicates ?? ''} | ${r.errors ?? ''} |`,
    );
  }
  // Ratios against the bare server (and, with BENCH_BASELINE, against the baseline build), where both ran.
  // The targets are in docs/performance.md; they differ by scenario, so none is printed here.
  const pairs = new Map();
  for (const r of results) {
    const entry = pairs.get(r.scenario) ?? {};
    entry[r.server] = r;
    pairs.set(r.scenario, entry);
  }
  const ratio = (a, b) => (a == null || b == null || b === 0 ? '' : (a / b).toFixed(2));
  const ratioRows = (against) => {
    const rows = [];
    for (const [scenario, servers] of pairs) {
      const flowcast = servers.flowcast;
      const other = servers[against];
      if (!flowcast || !other) continue;
      rows.push(
        `| ${scenario} | ${ratio(flowcast.eventsPerSec, other.eventsPerSec)} | ${ratio(flowcast.cpuMicrosPerEvent, other.cpuMicrosPerEvent)} | ${ratio(flowcast.p99, other.p99)} | ${ratio(flowcast.rssPerConnection, other.rssPerConnection)} | ${ratio(flowcast.secondsToAllSnapshots, other.secondsToAllSnapshots)} |`,
      );
    }
    return rows;
  };
  const single = results.find((r) => r.server === 'one instance (PostgreSQL)');
  const two = results.find((r) => r.server === 'two instances (PostgreSQL + Redis)');
  if (single && two) {
    // Issue 11's targets: p99 ≤ one instance's + 10 ms, CPU per delivered event ≤ 1.2×.
    lines.push(
      '',
      '| cluster | cross-instance p99 − one instance p99 | p99 − one instance p99 | CPU per event / one instance |',
      '| --- | ---: | ---: | ---: |',
      `| ${two.scenario} | ${(two.crossInstanceP99 - single.p99).toFixed(1)} ms | ${(two.p99 - single.p99).toFixed(1)} ms | ${ratio(two.cpuMicrosPerEvent, single.cpuMicrosPerEvent)} |`,
    );
  }
  for (const against of ['bare', 'baseline']) {
    const rows = ratioRows(against);
    if (rows.length === 0) continue;
    lines.push(
      '',
      `| scenario | delivered / ${against} | CPU per event / ${against} | p99 / ${against} | RSS per conn / ${against} | storm time / ${against} |`,
      '| --- | ---: | ---: | ---: | ---: | ---: |',
      ...rows,
    );
  }
  return lines.join('\n');
}

main().catch((error) => {
  log(error.stack ?? String(error));
  process.exit(1);
});
