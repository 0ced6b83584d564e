import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { removeDir, simulatedAgent, startServer } from '@flowcast/testing-e2e';

const MAIN = resolve(__dirname, '../../../dist/apps/api/main.js');

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Polls `check` every 50 ms until it returns a value (not undefined), or fails after `timeoutMs`. */
async function until<T>(check: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((resolveWait) => setTimeout(resolveWait, 50));
  }
}

describe('server lifecycle', () => {
  it('on SIGTERM ends open streams with a retry hint, marks running work interrupted and exits 0 within 10 s', async () => {
    const server = await startServer({ env: { SSE_RETRY_MS: '700' } });
    try {
      const api = server.api;
      const workflow = await api.create(
        { name: 'long', agents: [simulatedAgent('sleeper', { durationMs: 60_000, progressMessages: 60 })] },
        true,
      );
      const reader = server.stream(`/api/workflows/${workflow.id}/stream`);
      await reader.waitFor((r) => r.events.length >= 2);
      const idle = server.stream(`/api/workflows/${(await api.create(simulatedWorkflow())).id}/stream`);
      await idle.waitFor((r) => r.events.length >= 2);

      const stopping = Date.now();
      const code = await server.stop();
      expect(code).toBe(0);
      expect(Date.now() - stopping).toBeLessThan(10_000);
      await Promise.all([reader.done, idle.done]);
      for (const stream of [reader, idle]) {
        expect(stream.status).toBe(200);
        expect(stream.items[stream.items.length - 1]).toEqual({ kind: 'retry', ms: 700 });
      }
      // The run was ended before the streams closed, so the open stream saw the final events.
      const types = reader.events.map((event) => event.event);
      expect(types.slice(-2)).toEqual(['agent:failed', 'workflow:failed']);
      expect(JSON.parse(reader.events[reader.events.length - 1].data)).toMatchObject({
        error: 'interrupted',
      });

      const restarted = await startServer({ dataDir: server.dataDir });
      try {
        const final = await restarted.api.get(workflow.id);
        expect(final).toMatchObject({ status: 'failed', error: 'interrupted' });
      } finally {
        await restarted.stop();
      }
    } finally {
      removeDir(server.dataDir);
    }
  });

  it('after a crash (SIGKILL) mid-run, the restarted server ends the workflow as interrupted and a resuming client converges', async () => {
    const server = await startServer();
    try {
      const api = server.api;
      const workflow = await api.create(
        { name: 'crash', agents: [simulatedAgent('worker', { durationMs: 60_000, progressMessages: 600 })] },
        true,
      );
      const reader = server.stream(`/api/workflows/${workflow.id}/stream`);
      await reader.waitFor((r) =>
        r.events.some(
          (event) => event.event === 'log:created' && event.id !== undefined && Number(event.id) > 5,
        ),
      );
      const lastSeen = reader.ids[reader.ids.length - 1];
      await server.kill();
      await reader.done;

      const restarted = await startServer({ dataDir: server.dataDir });
      try {
        const resumed = restarted.stream(`/api/workflows/${workflow.id}/stream`, {
          'Last-Event-ID': String(lastSeen),
        });
        await resumed.done;
        const stored = await restarted.api.allEvents(workflow.id);
        expect(resumed.ids).toEqual(stored.filter((event) => event.id > lastSeen).map((event) => event.id));
        expect(resumed.events.slice(-2).map((event) => event.event)).toEqual([
          'agent:failed',
          'workflow:failed',
        ]);
        expect(JSON.parse(resumed.events[resumed.events.length - 1].data)).toMatchObject({
          error: 'interrupted',
        });
        expect(stored.map((event) => event.id)).toEqual(stored.map((_, index) => index + 1));
      } finally {
        await restarted.stop();
      }
    } finally {
      removeDir(server.dataDir);
    }
  });

  it('after a crash (SIGKILL), ends the process group of the shell step the dead server was running', async () => {
    const server = await startServer();
    const work = mkdtempSync(join(tmpdir(), 'flowcast-orphan-'));
    try {
      // The step forks a child and both wait: neither writes, so nothing else would ever end them.
      const script = `sleep 60 & echo $! > ${join(work, 'child')}; echo $$ > ${join(work, 'leader')}; wait`;
      const workflow = await server.api.create(
        {
          name: 'orphan',
          agents: [
            {
              name: 'waiter',
              role: 'shell',
              prompt: 'wait',
              runner: { type: 'shell', command: '/bin/sh', args: ['-c', script] },
            },
          ],
        },
        true,
      );
      const pids = await until(() => {
        const files = ['leader', 'child'].map((name) => join(work, name));
        return files.every(existsSync) && files.every((file) => readFileSync(file, 'utf8').trim() !== '')
          ? files.map((file) => Number(readFileSync(file, 'utf8')))
          : undefined;
      });
      expect(pids.every(isAlive)).toBe(true);
      await server.kill();
      // The guard looks each second, then sends SIGTERM to the group.
      await until(() => (pids.some(isAlive) ? undefined : true), 10_000);
      expect(pids.some(isAlive)).toBe(false);
      expect(workflow.id).toMatch(/^wf_/);
    } finally {
      removeDir(server.dataDir);
      removeDir(work);
    }
  });

  it.each([
    ['an unparsable store URL', { DATABASE_URL: 'mysql://localhost/x' }, /DATABASE_URL/],
    ['a port that is not a number', { PORT: 'eighty' }, /PORT/],
    ['an unknown log level', { LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
    [
      'an unreachable PostgreSQL',
      { DATABASE_URL: 'postgres://nobody:secret@127.0.0.1:1/none' },
      /Store unreachable/,
    ],
  ])('refuses to start on %s, with one clear line', (_label, env, pattern) => {
    const result = spawnSync(process.execPath, [MAIN], {
      env: { PATH: process.env['PATH'] ?? '', DEMO: 'false', DATABASE_URL: 'sqlite::memory:', ...env },
      encoding: 'utf8',
      timeout: 15_000,
    });
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(pattern);
    expect(lines[0]).not.toContain('secret');
  });
});

function simulatedWorkflow() {
  return { name: 'idle', agents: [simulatedAgent('a')] };
}
