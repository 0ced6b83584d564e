// The cluster scenario (issue 11): the same fan-out — one workflow, `clients` streams — served by one
// instance on PostgreSQL, and by two instances on PostgreSQL + Redis with the clients split over both and the
// workflow run by one of them. Reports p99 latency (overall, and on the instance that does not run the
// workflow: the cross-instance path through Redis) and total CPU per delivered event (every instance's CPU
// over every client's events). Needs the PostgreSQL at BENCH_POSTGRES_URL (default the machine's) and
// redis-server on PATH; it starts its own Redis and a fresh database, and removes both.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

const POSTGRES_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A fresh database on the bench's PostgreSQL, with `drop()`. */
export async function createDatabase() {
  const name = `flowcast_bench_${Date.now()}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(`create database "${name}"`);
  await admin.end();
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    /** Transactions committed in the database so far (PostgreSQL's statistics, updated within a second). */
    async commits() {
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      const { rows } = await client.query('select xact_commit from pg_stat_database where datname = $1', [
        name,
      ]);
      await client.end();
      return Number(rows[0]?.xact_commit ?? 0);
    },
    async drop() {
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      await client.query(
        'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
        [name],
      );
      await client.query(`drop database if exists "${name}"`);
      await client.end();
    },
  };
}

async function startRedis(freePort, sleep) {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'flowcast-bench-redis-'));
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: 'ignore' },
  );
  const answers = () =>
    new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => socket.write('PING\r\n'));
      socket.once('data', (data) => {
        socket.destroy();
        resolve(data.toString().startsWith('+PONG'));
      });
      socket.once('error', () => resolve(false));
    });
  for (let i = 0; !(await answers()); i++) {
    if (i > 100) throw new Error('redis-server did not start');
    await sleep(50);
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((done) => (child.exitCode !== null ? done() : child.once('exit', done)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs both topologies; returns one row each (the table's columns, plus the cross-instance p99). */
export async function clusterScenario({ clients, seconds, rate, h }) {
  const rows = [];
  for (const instances of [1, 2]) {
    const database = await createDatabase();
    const redis = instances > 1 ? await startRedis(h.freePort, h.sleep) : null;
    const servers = [];
    const loaders = [];
    try {
      for (let index = 0; index < instances; index++) {
        const env = {
          DATABASE_URL: database.url,
          ...(redis ? { REDIS_URL: redis.url, INSTANCE_ID: `bench-${index}` } : {}),
        };
        servers.push(await h.startFlowcast(env, undefined, `instance ${index}`));
      }
      const created = await h.json(
        servers[0].base,
        'POST',
        '/api/workflows',
        { name: 'cluster fan-out', agents: [h.clockAgent('clock', rate, seconds + 6)] },
        servers[0].auth,
      );
      const id = created.body.id;
      const path = `/api/workflows/${id}/stream`;
      const share = Math.ceil(clients / instances);
      for (const server of servers) {
        const loader = h.startLoader();
        await loader.first();
        loaders.push(loader);
        await h.openClients(loader, server, path, share);
      }
      for (const loader of loaders) await h.allAnswered(loader, share, 60_000, 'snapshots');
      await h.json(servers[0].base, 'POST', `/api/workflows/${id}/start`, undefined, servers[0].auth);
      // Which instance runs it (the one whose worker took the job).
      let runner = 0;
      if (instances > 1) {
        const client = new pg.Client({ connectionString: database.url });
        await client.connect();
        for (let i = 0; i < 100; i++) {
          const { rows: found } = await client.query('select runner from workflows where id = $1', [id]);
          if (found[0]?.runner) {
            runner = found[0].runner.startsWith('bench-1-') ? 1 : 0;
            break;
          }
          await h.sleep(50);
        }
        await client.end();
      }
      await h.sleep(2_000);
      const cpu0 = servers.reduce((sum, server) => sum + h.cpuMicros(server.pid), 0);
      const before = await Promise.all(loaders.map((loader) => loader.call('report')));
      await Promise.all(loaders.map((loader) => loader.call('latency-start')));
      await h.sleep(seconds * 1000);
      const latencies = await Promise.all(loaders.map((loader) => loader.call('latency-stop')));
      const after = await Promise.all(loaders.map((loader) => loader.call('report')));
      const cpu1 = servers.reduce((sum, server) => sum + h.cpuMicros(server.pid), 0);
      const delivered = after.reduce((sum, report, index) => sum + report.events - before[index].events, 0);
      const worst = (field) => Math.max(...latencies.map((latency) => latency[field] ?? 0));
      const cross = instances > 1 ? latencies[1 - runner] : null;
      rows.push({
        scenario: `cluster: ${clients} clients × ${rate}/s`,
        server: instances === 1 ? 'one instance (PostgreSQL)' : 'two instances (PostgreSQL + Redis)',
        offered: clients * rate,
        eventsPerSec: Math.round(delivered / seconds),
        cpuMicrosPerEvent: delivered > 0 ? +((cpu1 - cpu0) / delivered).toFixed(2) : null,
        p50: +worst('p50').toFixed(1),
        p99: +worst('p99').toFixed(1),
        max: +worst('max').toFixed(1),
        crossInstanceP99: cross ? +cross.p99.toFixed(1) : undefined,
        gaps: after.reduce((sum, report) => sum + report.gaps, 0),
        duplicates: after.reduce((sum, report) => sum + report.duplicates, 0),
        errors: after.reduce((sum, report) => sum + report.failed, 0),
      });
    } finally {
      for (const loader of loaders) loader.kill();
      for (const server of servers.reverse()) await server.stop();
      await redis?.stop();
      await database.drop();
    }
  }
  return rows;
}
