import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {
  AgentDefinition,
  ShellRunnerDefinition,
  StoredEvent,
  WorkflowDetail,
  WorkflowLogsResponse,
} from '@flowcast/shared-contract';
import { ApiClient, removeDir, RunningServer, simulatedAgent, startServer } from '@flowcast/testing-e2e';

function shellAgent(
  name: string,
  command: string,
  args: string[] = [],
  extra: Omit<ShellRunnerDefinition, 'type' | 'command' | 'args'> = {},
): AgentDefinition {
  return {
    name,
    role: 'shell',
    prompt: `${command} ${args.join(' ')}`,
    runner: { type: 'shell', command, args, ...extra },
  };
}

async function allLogs(api: ApiClient, id: string): Promise<WorkflowLogsResponse['items']> {
  const lines: WorkflowLogsResponse['items'] = [];
  for (;;) {
    const after = lines.length ? lines[lines.length - 1].id : 0;
    const page = (
      await api.request<WorkflowLogsResponse>('GET', `/api/workflows/${id}/logs?after=${after}&limit=1000`)
    ).body.items;
    if (page.length === 0) return lines;
    lines.push(...page);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

describe('real workflows', () => {
  let server: RunningServer;
  let api: ApiClient;
  let work: string;

  beforeAll(async () => {
    server = await startServer({
      env: {
        SESSION_SECRET: 'do-not-leak-this-secret',
        SSE_CLOSE_GRACE_MS: '100',
        WORKFLOW_CONCURRENCY: '4',
      },
    });
    api = server.api;
    work = mkdtempSync(join(tmpdir(), 'flowcast-shell-'));
  });
  afterAll(async () => {
    await server.stop();
    removeDir(server.dataDir);
    removeDir(work);
  });

  describe('money', () => {
    it('adds up exactly: two simulated agents at $1.25 end with a total of $2.50, each agent at $1.25', async () => {
      const workflow = await api.create(
        {
          name: 'exact money',
          budgetLimit: 2.5,
          agents: [
            simulatedAgent('first', { durationMs: 100, progressMessages: 7, cost: 1.25 }),
            simulatedAgent('second', { durationMs: 100, progressMessages: 3, cost: 1.25 }),
          ],
        },
        true,
      );
      const final = await api.waitForEnd(workflow.id);
      expect(final).toMatchObject({ status: 'completed', totalCost: 2.5 });
      expect(final.agents.map((agent) => agent.cost)).toEqual([1.25, 1.25]);
      const events = await api.allEvents(workflow.id);
      expect(events.some((event) => event.type === 'budget:exceeded')).toBe(false);
      expect(events[events.length - 1].data).toMatchObject({ totalCost: 2.5 });
    });
  });

  describe('the shell runner', () => {
    it('loops from step 1 when a retry-workflow step fails, and completes on the iteration that passes', async () => {
      const created = await api.create(
        {
          name: 'build-test-loop',
          maxIterations: 3,
          agents: [
            shellAgent('build', 'sh', ['-c', 'echo building; echo built >&2'], { cwd: work }),
            {
              ...shellAgent(
                'test',
                'sh',
                [
                  '-c',
                  'n=$(cat count 2>/dev/null || echo 0); n=$((n+1)); echo $n > count; echo "attempt $n"; if [ $n -lt 2 ]; then echo "1 test failed" >&2; exit 4; fi',
                ],
                { cwd: work },
              ),
              onFailure: 'retry-workflow',
            },
          ],
        },
        true,
      );
      const final = await api.waitForEnd(created.id);
      expect(final).toMatchObject({ status: 'completed', iterations: 2 });
      expect(final.agents.map((agent) => agent.status)).toEqual(['completed', 'completed']);
      const events = await api.allEvents(created.id);
      const failed = events.find((event) => event.type === 'agent:failed');
      expect(failed?.data).toMatchObject({ agentName: 'test', stepNumber: 2 });
      expect((failed?.data as { error: string }).error).toMatch(/exited with code 4: 1 test failed/);
      const second = events.find((event) => event.type === 'workflow:running' && event.data.iterations === 2);
      expect(second?.data).toMatchObject({ currentAgent: 'build', currentStep: 1 });
      expect(
        events.filter((event) => event.type === 'agent:started').map((event) => event.data.agentName),
      ).toEqual(['build', 'test', 'build', 'test']);
      const logs = await allLogs(api, created.id);
      expect(logs.filter((line) => line.message === 'built').every((line) => line.level === 'warn')).toBe(
        true,
      );
      expect(logs.filter((line) => line.message === 'building').every((line) => line.level === 'info')).toBe(
        true,
      );
      expect(logs.map((line) => line.message)).toEqual(expect.arrayContaining(['attempt 1', 'attempt 2']));
    });

    it('fails the workflow after maxIterations with the last error', async () => {
      const created = await api.create(
        {
          name: 'never-passes',
          maxIterations: 2,
          agents: [
            { ...shellAgent('flaky', 'sh', ['-c', 'echo nope >&2; exit 1']), onFailure: 'retry-workflow' },
          ],
        },
        true,
      );
      const final = await api.waitForEnd(created.id);
      expect(final).toMatchObject({ status: 'failed', iterations: 2 });
      expect(final.error).toMatch(/exited with code 1: nope \(after 2 iterations\)/);
    });

    it('passes only allowlisted server variables and the step’s own env, never the server’s secrets', async () => {
      const created = await api.create(
        {
          name: 'env',
          agents: [
            shellAgent(
              'env',
              'sh',
              [
                '-c',
                'echo "secret=${SESSION_SECRET:-none} admin=${ADMIN_PASSWORD:-none} custom=$CUSTOM path=${PATH:+set}"',
              ],
              { env: { CUSTOM: 'yes' } },
            ),
          ],
        },
        true,
      );
      await api.waitForEnd(created.id);
      const messages = (await allLogs(api, created.id)).map((line) => line.message);
      expect(messages).toContain('secret=none admin=none custom=yes path=set');
    });

    it('kills the whole process group on cancel, leaving no forked child alive', async () => {
      const created = await api.create(
        {
          name: 'forks',
          agents: [
            shellAgent('forker', 'sh', [
              '-c',
              'sleep 300 & echo "child $!"; (sleep 300; echo never) & echo "child $!"; echo "parent $$"; wait',
            ]),
          ],
        },
        true,
      );
      let pids: number[] = [];
      const reader = api.stream(`/api/workflows/${created.id}/stream`);
      await reader.waitFor(() => {
        pids = reader.events
          .filter((event) => event.event === 'log:created')
          .flatMap((event) => /^(child|parent) (\d+)$/.exec(JSON.parse(event.data).message) ?? [])
          .filter((_, index) => index % 3 === 2)
          .map(Number);
        return pids.length === 3;
      });
      expect(pids.every(isAlive)).toBe(true);
      expect((await api.request('POST', `/api/workflows/${created.id}/cancel`)).status).toBe(202);
      await reader.done;
      expect(reader.events[reader.events.length - 1].event).toBe('workflow:cancelled');
      // SIGTERM reaches the group at once; sleep dies on it, so nothing should be left by now.
      const deadline = Date.now() + 6_000;
      while (pids.some(isAlive) && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 50));
      expect(pids.filter(isAlive)).toEqual([]);
    });

    it('kills and fails a step that outlives its timeoutMs', async () => {
      const created = await api.create(
        { name: 'slow', agents: [shellAgent('sleeper', 'sleep', ['30'], { timeoutMs: 300 })] },
        true,
      );
      const final = await api.waitForEnd(created.id);
      expect(final.status).toBe('failed');
      expect(final.error).toMatch(/timed out after 300 ms/);
    });

    it('refuses a shell step from a member with 403 and writes nothing', async () => {
      await api.request('POST', '/api/users', {
        username: 'member1',
        password: 'member1-password',
        role: 'member',
      });
      const member = await ApiClient.asUser(server.url, 'member1', 'member1-password');
      const refused = await member.request<{ message: string }>('POST', '/api/workflows', {
        name: 'sneaky',
        agents: [simulatedAgent('ok'), shellAgent('root', 'id')],
      });
      expect(refused.status).toBe(403);
      expect(refused.body.message).toMatch(/agents\.1\.runner/);
      expect((await member.request<{ items: unknown[] }>('GET', '/api/workflows')).body.items).toEqual([]);
    });
  });

  describe('output volume', () => {
    it('stores every one of 200,000 lines printed at full speed, in bounded memory, without stalling another workflow', async () => {
      const rss = () =>
        Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${server.process.pid}/status`, 'utf8'))?.[1] ?? 0) *
        1024;
      const baseline = rss();
      let peak = baseline;
      const sampler = setInterval(() => (peak = Math.max(peak, rss())), 50);

      const other = await api.create({
        name: 'steady',
        agents: [simulatedAgent('ticker', { durationMs: 4_000, progressMessages: 40 })],
      });
      const watcher = api.stream(`/api/workflows/${other.id}/stream`);
      await watcher.waitFor((r) => r.events.length >= 2);
      const latencies: number[] = [];
      const flood = await api.create(
        { name: 'flood', agents: [shellAgent('seq', 'seq', ['1', '200000'])] },
        true,
      );
      await api.request('POST', `/api/workflows/${other.id}/start`);
      await watcher.waitForEvent('workflow:completed', 60_000);
      const floodFinal = await api.waitForEnd(flood.id, 60_000);
      clearInterval(sampler);
      watcher.close();

      // Emit-to-receive latency of the other workflow's lines (their timestamp is taken when they are emitted).
      const receivedAt = new Map(watcher.timedEvents.map(({ message, at }) => [message, at]));
      for (const event of watcher.events) {
        if (event.event !== 'log:created' || event.id === undefined) continue;
        latencies.push((receivedAt.get(event) ?? 0) - Date.parse(JSON.parse(event.data).timestamp));
      }
      latencies.sort((a, b) => a - b);

      expect(floodFinal.status).toBe('completed');
      const lines = await allLogs(api, flood.id);
      const numbers = lines.filter((line) => /^\d+$/.test(line.message)).map((line) => Number(line.message));
      expect(numbers.length).toBe(200_000);
      expect(numbers.every((value, index) => value === index + 1)).toBe(true);
      const events: StoredEvent[] = await api.allEvents(flood.id);
      const batches = events.filter((event) => event.type === 'log:batch');
      expect(batches.length).toBeGreaterThan(0);
      expect(batches.every((event) => event.data.lines.length <= 500)).toBe(true);
      const floodAgent = (floodFinal as WorkflowDetail).agents[0];
      const throughput = Math.round(200_000 / ((floodAgent.duration ?? 1) / 1_000));
      process.stdout.write(
        `\n[output volume] 200,000 lines stored in ${floodAgent.duration} ms (${throughput} lines/s) as ${events.length} events; ` +
          `server RSS ${Math.round(baseline / 1e6)} MB -> peak ${Math.round(peak / 1e6)} MB; ` +
          `other workflow's emit-to-receive latency p50 ${percentile(latencies, 50)} ms, p99 ${percentile(latencies, 99)} ms, max ${latencies[latencies.length - 1]} ms over ${latencies.length} lines\n`,
      );
      expect(latencies.length).toBeGreaterThanOrEqual(40);
      expect(latencies[latencies.length - 1]).toBeLessThan(2_000);
      expect(peak - baseline).toBeLessThan(300 * 1024 * 1024);
    }, 120_000);
  });

  describe('concurrency', () => {
    it('runs at most WORKFLOW_CONCURRENCY workflows at once; the rest wait as pending, in start order', async () => {
      const limited = await startServer({ env: { WORKFLOW_CONCURRENCY: '2', SSE_CLOSE_GRACE_MS: '50' } });
      try {
        const ids: string[] = [];
        for (let i = 0; i < 4; i++)
          ids.push(
            (await limited.api.create({ name: `q${i}`, agents: [simulatedAgent('a', { durationMs: 400 })] }))
              .id,
          );
        for (const id of ids)
          expect((await limited.api.request('POST', `/api/workflows/${id}/start`)).status).toBe(202);
        const queued = await limited.api.get(ids[3]);
        expect(queued.status).toBe('pending');
        const finals = await Promise.all(ids.map((id) => limited.api.waitForEnd(id)));
        const spans = finals.map((final) => [
          Date.parse(final.startedAt ?? ''),
          Date.parse(final.completedAt ?? ''),
        ]);
        // Start order is kept, and no instant has three running.
        for (let i = 1; i < spans.length; i++) expect(spans[i][0]).toBeGreaterThanOrEqual(spans[i - 1][0]);
        for (const [start] of spans)
          expect(spans.filter(([s, e]) => s <= start && start < e).length).toBeLessThanOrEqual(2);
      } finally {
        await limited.stop();
        removeDir(limited.dataDir);
      }
    });
  });
});
