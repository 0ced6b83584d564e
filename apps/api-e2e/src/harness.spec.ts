import { connect, createServer } from 'node:net';
import { Client } from 'pg';
import { createTestDatabase, startNginx, startRedis } from '@flowcast/testing-e2e';

const POSTGRES_URL = process.env['FLOWCAST_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/** One RESP command over a raw socket; resolves with the first line of the reply, rejects if refused. */
function redis(url: string, ...args: string[]): Promise<string> {
  const { hostname, port } = new URL(url);
  const command = `*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`;
  return new Promise((resolveReply, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    let reply = '';
    socket.once('error', reject);
    socket.once('connect', () => socket.write(command));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString();
      // A bulk string's header line ($n) is followed by its value on the next line.
      const lines = reply.split('\r\n');
      const complete =
        reply.startsWith('$') && !reply.startsWith('$-1') ? lines.length >= 3 : lines.length >= 2;
      if (complete) {
        socket.destroy();
        resolveReply(reply.startsWith('$') && !reply.startsWith('$-1') ? lines[1] : lines[0]);
      }
    });
  });
}

function closedPort(): Promise<number> {
  return new Promise((resolvePort) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolvePort(port));
    });
  });
}

async function withPostgres<T>(work: (client: Client) => Promise<T>, url = POSTGRES_URL): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

describe('startRedis', () => {
  it('restarts an empty server on the same port after a crash, so the same URL answers again', async () => {
    const server = await startRedis();
    try {
      expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
      expect(await redis(server.url, 'SET', 'key', 'value')).toBe('+OK');
      expect(await redis(server.url, 'GET', 'key')).toBe('value');
      const crashed = server.process.pid;
      // A client connected through the crash (as a Redis client library would be): the server's side of
      // that connection is left in TIME_WAIT on the port, which the new server must bind all the same.
      const held = connect({ host: '127.0.0.1', port: server.port });
      await new Promise((resolveConnect) => held.once('connect', resolveConnect));
      const heldClosed = new Promise((resolveClose) => held.once('close', resolveClose));
      held.on('error', () => undefined);

      await server.kill();
      await heldClosed;
      expect(server.process.signalCode).toBe('SIGKILL');
      await expect(redis(server.url, 'PING')).rejects.toThrow(/ECONNREFUSED/);

      await server.restart();
      expect(server.process.pid).not.toBe(crashed);
      expect(await redis(server.url, 'PING')).toBe('+PONG');
      // No persistence: what the crashed server held is gone, as after a real crash without a dump.
      expect(await redis(server.url, 'GET', 'key')).toBe('$-1');
    } finally {
      await server.stop();
    }
    expect(server.process.exitCode).toBe(0);
    await expect(redis(server.url, 'PING')).rejects.toThrow(/ECONNREFUSED/);
  });

  it('starts on a port it is given', async () => {
    const port = await closedPort();
    const server = await startRedis({ port });
    try {
      expect(server.port).toBe(port);
      expect(await redis(server.url, 'PING')).toBe('+PONG');
    } finally {
      await server.stop();
    }
  });
});

describe('createTestDatabase', () => {
  it('creates an empty database, and drop() removes it even while a client is still connected', async () => {
    const database = await createTestDatabase();
    expect(database.name).toMatch(/^flowcast_e2e_\d+_[0-9a-f]{8}$/);
    expect(new URL(database.url).pathname).toBe(`/${database.name}`);

    const client = new Client({ connectionString: database.url });
    client.on('error', () => undefined);
    await client.connect();
    const tables = await client.query("select count(*)::int as n from pg_tables where schemaname = 'public'");
    expect(tables.rows[0].n).toBe(0);
    await client.query('create table leftover (id int)');

    await database.drop();
    await database.drop();
    await expect(client.query('select 1')).rejects.toThrow();
    const exists = await withPostgres((admin) =>
      admin.query('select 1 from pg_database where datname = $1', [database.name]),
    );
    expect(exists.rowCount).toBe(0);
  });

  it("drops databases with its prefix that a crashed run left over an hour ago, and no one else's", async () => {
    const now = Math.floor(Date.now() / 1_000);
    const stale = `flowcast_harness_${now - 7_200}_deadbeef`;
    const recent = `flowcast_harness_${now - 60}_cafebabe`;
    await withPostgres(async (admin) => {
      for (const name of [stale, recent]) await admin.query(`create database "${name}"`);
    });
    const database = await createTestDatabase('flowcast_harness_');
    try {
      const names = await withPostgres(async (admin) =>
        (
          await admin.query<{ datname: string }>(
            "select datname from pg_database where datname like 'flowcast\\_harness\\_%'",
          )
        ).rows.map((row) => row.datname),
      );
      expect(names).not.toContain(stale);
      expect(names).toContain(recent);
      expect(names).toContain(database.name);
    } finally {
      await database.drop();
      await withPostgres((admin) => admin.query(`drop database if exists "${recent}"`));
    }
  });
});

describe('startNginx', () => {
  it('answers 502 in front of no instance, and leaves no process or port behind when stopped', async () => {
    const nginx = await startNginx([await closedPort()]);
    const response = await fetch(`${nginx.url}/api/health`);
    expect(response.status).toBe(502);
    expect(nginx.errorLog()).toMatch(/connect\(\) failed \(111: Connection refused\)/);
    const workers = [...nginx.errorLog().matchAll(/start worker process (\d+)/g)].map((match) =>
      Number(match[1]),
    );
    expect(workers).toHaveLength(1);

    await nginx.stop();
    expect(nginx.process.exitCode).toBe(0);
    expect(() => process.kill(workers[0], 0)).toThrow(/ESRCH/);
    await expect(fetch(`${nginx.url}/api/health`)).rejects.toThrow();
    // The logs outlive the directory.
    expect(nginx.errorLog()).toMatch(/exit/);
  });
});
