// The soak's server: the built API (dist/apps/api/main.js) in its own process, on its own free port and
// its own temporary SQLite store, with a REST client and a metrics reader. Every request goes on a fresh
// connection that is closed after it (no keep-alive pool), so that the server's open file descriptors
// count the streams and nothing else the driver left idle.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(here, '../../..');
// SOAK_MAIN=path/to/main.js soaks another build (an older one, or one with a leak put in to see it caught).
const MAIN = process.env.SOAK_MAIN ? resolve(process.env.SOAK_MAIN) : join(ROOT, 'dist/apps/api/main.js');
const ADMIN_PASSWORD = 'soak-admin-password';

export const sleep = (ms) => new Promise((resolveSleep) => setTimeout(resolveSleep, ms));

function freePort() {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolvePort(port));
    });
  });
}

/** One HTTP exchange on a connection of its own; resolves with status, headers and the body text. */
export function httpRequest(base, method, path, { body, headers = {}, timeoutMs = 30_000 } = {}) {
  return new Promise((resolveRequest, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      `${base}${path}`,
      {
        method,
        agent: false,
        headers: {
          Connection: 'close',
          ...(payload === undefined
            ? {}
            : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) }),
          ...headers,
        },
        timeout: timeoutMs,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolveRequest({ status: res.statusCode, headers: res.headers, text }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** Prometheus text → `name{labels}` → value. */
export function parseMetrics(text) {
  const values = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    values.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return values;
}

/**
 * Boots the server and logs in as the admin. `env` overrides the soak's defaults. The process runs with
 * --expose-gc and a SIGUSR2 handler (gc-on-signal.cjs): `collectGarbage()` makes figures comparable.
 */
export async function startFlowcast(env = {}, { heapSnapshotDir = '' } = {}) {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: build the api first (npm run soak does)`);
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'flowcast-soak-'));
  // With a snapshot directory, SIGUSR1 writes a heap snapshot there (node --heapsnapshot-signal).
  if (heapSnapshotDir) mkdirSync(heapSnapshotDir, { recursive: true });
  const snapshotArgs = heapSnapshotDir
    ? ['--heapsnapshot-signal=SIGUSR1', `--diagnostic-dir=${resolve(heapSnapshotDir)}`]
    : [];
  const nodeArgs = ['--expose-gc', '-r', join(here, 'gc-on-signal.cjs'), ...snapshotArgs, MAIN];
  const child = spawn(process.execPath, nodeArgs, {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: `sqlite:${join(dataDir, 'flowcast.db')}`,
      DEMO: 'false',
      LOG_LEVEL: 'warn',
      ADMIN_PASSWORD,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // The last 64 KB the server printed, for the report when something fails.
  let output = '';
  const keep = (chunk) => (output = (output + chunk.toString()).slice(-65_536));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolveExit) =>
    child.once('exit', (code, signal) => resolveExit(code ?? signal)),
  );
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}:\n${output}`);
    try {
      if ((await httpRequest(base, 'GET', '/api/health', { timeoutMs: 1_000 })).status === 200) break;
    } catch {
      // not listening yet
    }
    if (i > 400) throw new Error(`the server did not start in 20 s:\n${output}`);
    await sleep(50);
  }
  const login = await httpRequest(base, 'POST', '/api/auth/login', {
    body: { username: 'admin', password: ADMIN_PASSWORD },
  });
  if (login.status !== 200) throw new Error(`login answered ${login.status}: ${login.text}`);
  const cookie = String(login.headers['set-cookie']).split(';')[0];
  const newToken = async (name) => {
    const created = await httpRequest(base, 'POST', '/api/auth/tokens', {
      body: { name },
      headers: { Cookie: cookie, 'X-Requested-With': 'flowcast' },
    });
    if (created.status !== 201) throw new Error(`token answered ${created.status}: ${created.text}`);
    return JSON.parse(created.text).token;
  };
  const adminToken = await newToken('soak-driver');
  const auth = { Authorization: `Bearer ${adminToken}` };

  const api = async (method, path, body) => {
    const response = await httpRequest(base, method, path, { body, headers: auth });
    return { status: response.status, body: response.text ? JSON.parse(response.text) : undefined };
  };

  return {
    base,
    pid: child.pid,
    auth,
    output: () => output,
    /** Personal API tokens of the admin, one per client group: bearer headers. */
    async clientHeaders(count) {
      const headers = [];
      for (let i = 0; i < count; i++)
        headers.push({ Authorization: `Bearer ${await newToken(`soak-client-${i}`)}` });
      return headers;
    },
    api,
    async metrics() {
      const response = await httpRequest(base, 'GET', '/api/metrics', { headers: auth });
      if (response.status !== 200) throw new Error(`metrics answered ${response.status}`);
      return parseMetrics(response.text);
    },
    /** Every stored event of a workflow, page by page (REST, `data` as parsed JSON). */
    async storedEvents(id, after = 0) {
      const all = [];
      for (let cursor = after; ; ) {
        const page = await api('GET', `/api/workflows/${id}/events?after=${cursor}&limit=1000`);
        if (page.status !== 200) throw new Error(`events of ${id} answered ${page.status}`);
        all.push(...page.body.items);
        if (page.body.items.length < 1000) return all;
        cursor = all.at(-1).id;
      }
    },
    /** A full garbage collection in the server, then a pause for the heap to settle. */
    async collectGarbage() {
      process.kill(child.pid, 'SIGUSR2');
      await sleep(500);
      process.kill(child.pid, 'SIGUSR2');
      await sleep(1_000);
    },
    /** Writes a heap snapshot (only when started with a snapshot directory) and waits until it is written. */
    async heapSnapshot() {
      if (!heapSnapshotDir) return;
      const before = new Set(readdirSync(heapSnapshotDir));
      process.kill(child.pid, 'SIGUSR1');
      for (;;) {
        await sleep(500);
        const written = readdirSync(heapSnapshotDir).find((name) => !before.has(name));
        // The file is complete once the server answers again.
        if (written && (await httpRequest(base, 'GET', '/api/health')).status === 200) return;
      }
    },
    running: () => child.exitCode === null && child.signalCode === null,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const code = await exited;
      rmSync(dataDir, { recursive: true, force: true });
      return code;
    },
  };
}
