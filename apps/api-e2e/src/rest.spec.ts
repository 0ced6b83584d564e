import type {
  ErrorResponse,
  WorkflowDetail,
  WorkflowListResponse,
  WorkflowLogsResponse,
} from '@flowcast/shared-contract';
import { ApiClient, removeDir, RunningServer, simulatedAgent, startServer } from '@flowcast/testing-e2e';

const valid = () => ({
  name: 'valid',
  budgetLimit: 5,
  maxIterations: 1,
  agents: [simulatedAgent('agent-1', { durationMs: 100, cost: 1.5, progressMessages: 2 })],
});

describe('workflows REST API', () => {
  let server: RunningServer;
  let api: ApiClient;

  beforeAll(async () => {
    server = await startServer({ env: { SSE_CLOSE_GRACE_MS: '100' } });
    api = server.api;
  });
  afterAll(async () => {
    await server.stop();
    removeDir(server.dataDir);
  });

  describe('GET /api/health', () => {
    it('answers ok while the store answers', async () => {
      const response = await api.request('GET', '/api/health');
      expect(response).toMatchObject({ status: 200, body: { status: 'ok' } });
    });
  });

  describe('POST /api/workflows', () => {
    it('creates a pending workflow with an opaque id and its agents', async () => {
      const response = await api.request<WorkflowDetail>('POST', '/api/workflows', valid());
      expect(response.status).toBe(201);
      expect(response.body).toMatchObject({
        name: 'valid',
        status: 'pending',
        totalSteps: 1,
        budgetLimit: 5,
        totalCost: 0,
        lastEventId: 0,
        agents: [{ agentName: 'agent-1', agentRole: 'developer', stepNumber: 1, status: 'pending' }],
      });
      expect(response.body.id).toMatch(/^wf_[A-Za-z0-9_-]{16}$/);
      const again = await api.create(valid());
      expect(again.id).not.toBe(response.body.id);
    });

    it('starts it at once with ?start=true, and it runs to completion', async () => {
      const created = await api.create(valid(), true);
      const final = await api.waitForEnd(created.id);
      expect(final).toMatchObject({ status: 'completed', totalCost: 1.5, iterations: 1, currentStep: 1 });
      expect(final.agents[0]).toMatchObject({ status: 'completed', cost: 1.5 });
    });

    it.each([
      ['an unknown field', { ...valid(), colour: 'red' }, 'colour'],
      ['a wrong type', { ...valid(), name: 42 }, 'name'],
      ['empty agents', { ...valid(), agents: [] }, 'agents'],
      ['a negative budget', { ...valid(), budgetLimit: -1 }, 'budgetLimit'],
      ['a fractional iteration count', { ...valid(), maxIterations: 1.5 }, 'maxIterations'],
      [
        'an unknown runner type',
        { ...valid(), agents: [{ ...simulatedAgent('x'), runner: { type: 'teleport' } }] },
        'agents.0.runner',
      ],
      [
        'a bad runner field',
        { ...valid(), agents: [simulatedAgent('x', { durationMs: -5 })] },
        'agents.0.runner.durationMs',
      ],
      [
        'an unknown runner field',
        { ...valid(), agents: [{ ...simulatedAgent('x'), runner: { type: 'simulated', speed: 3 } }] },
        'agents.0.runner.speed',
      ],
      ['duplicate agent names', { ...valid(), agents: [simulatedAgent('x'), simulatedAgent('x')] }, 'agents'],
      ['a missing name', { agents: valid().agents }, 'name'],
    ])('refuses %s with a 400 naming the field and writes nothing', async (_label, body, field) => {
      const before = (await api.request<WorkflowListResponse>('GET', '/api/workflows?limit=200')).body.items
        .length;
      const response = await api.request<ErrorResponse>('POST', '/api/workflows', body);
      expect(response.status).toBe(400);
      expect(response.body.fields?.map((error) => error.field)).toContain(field);
      expect(response.body.message).toContain(field);
      const after = (await api.request<WorkflowListResponse>('GET', '/api/workflows?limit=200')).body.items
        .length;
      expect(after).toBe(before);
    });

    it('refuses a body over 1 MiB and malformed JSON with a 400', async () => {
      const huge = { ...valid(), agents: [{ ...simulatedAgent('x'), prompt: 'x'.repeat(1_100_000) }] };
      const tooLarge = await api.request<ErrorResponse>('POST', '/api/workflows', huge);
      expect(tooLarge.status).toBe(400);
      expect(tooLarge.body.fields?.[0].field).toBe('body');
      const malformed = await api.request<ErrorResponse>('POST', '/api/workflows', '{"name": ');
      expect(malformed.status).toBe(400);
      expect(malformed.body.fields?.[0].field).toBe('body');
    });
  });

  describe('GET /api/workflows/:id', () => {
    it('answers 400 for an id the server cannot have issued and 404 for an unknown one', async () => {
      for (const id of ['1', 'wf_short', 'wf_AAAAAAAAAAAAAAA%24', '..%2F..%2Fetc']) {
        const response = await api.request<ErrorResponse>('GET', `/api/workflows/${id}`);
        expect(response.status).toBe(400);
        expect(response.body.fields?.[0].field).toBe('id');
      }
      expect((await api.request('GET', '/api/workflows/wf_AAAAAAAAAAAAAAAA')).status).toBe(404);
    });
  });

  describe('GET /api/workflows', () => {
    it('lists newest first and pages with a cursor until nextCursor is null', async () => {
      const fresh = await startServer();
      try {
        const client = fresh.api;
        const ids: string[] = [];
        for (let i = 0; i < 7; i++) ids.push((await client.create({ ...valid(), name: `w${i}` })).id);
        const seen: string[] = [];
        let cursor: string | null = null;
        let pages = 0;
        do {
          const page: WorkflowListResponse = (
            await client.request<WorkflowListResponse>(
              'GET',
              `/api/workflows?limit=3${cursor ? `&cursor=${cursor}` : ''}`,
            )
          ).body;
          seen.push(...page.items.map((item) => item.id));
          cursor = page.nextCursor;
          pages++;
        } while (cursor);
        expect(pages).toBe(3);
        expect(seen).toEqual([...ids].reverse());
        expect((await client.request('GET', '/api/workflows?limit=0')).status).toBe(400);
        expect((await client.request('GET', '/api/workflows?limit=201')).status).toBe(400);
        expect((await client.request('GET', '/api/workflows?cursor=bm9wZQ')).status).toBe(400);
      } finally {
        await fresh.stop();
        removeDir(fresh.dataDir);
      }
    });
  });

  describe('start and cancel', () => {
    it('starts a pending workflow with 202 and refuses a second start with 409', async () => {
      const created = await api.create(valid());
      expect((await api.request('POST', `/api/workflows/${created.id}/start`)).status).toBe(202);
      expect((await api.request('POST', `/api/workflows/${created.id}/start`)).status).toBe(409);
      await api.waitForEnd(created.id);
      expect((await api.request('POST', `/api/workflows/${created.id}/cancel`)).status).toBe(409);
    });

    it('cancels a running workflow: its agent fails as cancelled and the workflow ends cancelled', async () => {
      const created = await api.create({
        name: 'long',
        agents: [simulatedAgent('sleeper', { durationMs: 30_000, progressMessages: 30 })],
      });
      const reader = server.stream(`/api/workflows/${created.id}/stream`);
      await reader.waitFor((r) => r.events.length >= 2);
      await api.request('POST', `/api/workflows/${created.id}/start`);
      await reader.waitForEvent('agent:started');
      const cancelled = await api.request('POST', `/api/workflows/${created.id}/cancel`);
      expect(cancelled.status).toBe(202);
      await reader.waitForEvent('workflow:cancelled', 5_000);
      reader.close();
      const types = reader.events.map((event) => event.event);
      expect(types.indexOf('agent:failed')).toBeLessThan(types.indexOf('workflow:cancelled'));
      const final = await api.get(created.id);
      expect(final.status).toBe('cancelled');
      expect(final.agents[0]).toMatchObject({ status: 'failed' });
    });

    it('cancels a pending workflow without running it', async () => {
      const created = await api.create(valid());
      expect((await api.request('POST', `/api/workflows/${created.id}/cancel`)).status).toBe(202);
      expect((await api.get(created.id)).status).toBe('cancelled');
      expect((await api.request('POST', `/api/workflows/${created.id}/start`)).status).toBe(409);
    });
  });

  describe('POST /api/workflows/:id/rerun', () => {
    it('creates a new workflow from a finished one’s definition, started with ?start=true, owned by the caller', async () => {
      const definition = {
        name: 'again',
        budgetLimit: 3,
        agents: [simulatedAgent('first', { cost: 0.5 }), simulatedAgent('second', { cost: 0.25 })],
      };
      const original = await api.create(definition, true);
      await api.waitForEnd(original.id);
      const rerun = await api.request<WorkflowDetail>(
        'POST',
        `/api/workflows/${original.id}/rerun?start=true`,
      );
      expect(rerun.status).toBe(201);
      expect(rerun.body.id).not.toBe(original.id);
      expect(rerun.body).toMatchObject({ name: 'again', budgetLimit: 3, totalSteps: 2, status: 'pending' });
      const finished = await api.waitForEnd(rerun.body.id);
      expect(finished).toMatchObject({ status: 'completed', totalCost: 0.75 });
      expect(finished.agents.map((agent) => agent.agentName)).toEqual(['first', 'second']);
      // Without ?start it is only created.
      const pending = await api.request<WorkflowDetail>('POST', `/api/workflows/${original.id}/rerun`);
      expect(pending.status).toBe(201);
      expect((await api.get(pending.body.id)).status).toBe('pending');
    });

    it('answers 409 for a workflow that has not finished and 404 for an unknown one, and a refused rerun writes nothing', async () => {
      const running = await api.create(
        { name: 'still running', agents: [simulatedAgent('slow', { durationMs: 5_000 })] },
        true,
      );
      const conflict = await api.request<{ message: string }>('POST', `/api/workflows/${running.id}/rerun`);
      expect(conflict.status).toBe(409);
      expect(conflict.body.message).toMatch(/only a finished workflow can be run again/);
      const missing = await api.request('POST', '/api/workflows/wf_AAAAAAAAAAAAAAAA/rerun');
      expect(missing.status).toBe(404);
      const before = (await api.request<{ items: unknown[] }>('GET', '/api/workflows?limit=100')).body.items;
      const badQuery = await api.request('POST', `/api/workflows/${running.id}/rerun?start=maybe`);
      expect(badQuery.status).toBe(400);
      expect((await api.request<{ items: unknown[] }>('GET', '/api/workflows?limit=100')).body.items).toEqual(
        before,
      );
      await api.request('POST', `/api/workflows/${running.id}/cancel`);
    });
  });

  describe('budget', () => {
    it('warns once at 80 %, then stops the agent and fails the workflow when the budget is exceeded', async () => {
      const created = await api.create(
        {
          name: 'expensive',
          budgetLimit: 2,
          agents: [
            simulatedAgent('cheap', { durationMs: 100, cost: 1.7, progressMessages: 2 }),
            simulatedAgent('costly', { durationMs: 2_000, cost: 5, progressMessages: 10 }),
            simulatedAgent('never'),
          ],
        },
        true,
      );
      const final = await api.waitForEnd(created.id);
      const events = await api.allEvents(created.id);
      const types = events.map((event) => event.type);
      expect(types.filter((type) => type === 'budget:warning')).toHaveLength(1);
      expect(types.filter((type) => type === 'budget:exceeded')).toHaveLength(1);
      expect(types.indexOf('budget:exceeded')).toBeLessThan(types.indexOf('agent:failed'));
      expect(types[types.length - 1]).toBe('workflow:failed');
      expect(events.find((event) => event.type === 'budget:warning')?.data).toMatchObject({
        budgetLimit: 2,
        percentageUsed: 85,
      });
      expect(final.status).toBe('failed');
      expect(final.error).toMatch(/budget exceeded/);
      expect(final.agents.map((agent) => agent.status)).toEqual(['completed', 'failed', 'pending']);
      expect(final.totalCost).toBeLessThan(3);
    });
  });

  describe('agent:progress', () => {
    it('is coalesced to at most one per agent per second, the last line always arriving', async () => {
      const created = await api.create(
        { name: 'chatty', agents: [simulatedAgent('talker', { durationMs: 2_500, progressMessages: 100 })] },
        true,
      );
      await api.waitForEnd(created.id);
      const progress = (await api.allEvents(created.id)).filter((event) => event.type === 'agent:progress');
      expect(progress.length).toBeGreaterThanOrEqual(2);
      expect(progress.length).toBeLessThanOrEqual(4);
      const times = progress.map((event) => Date.parse(event.data.ts));
      for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(999);
      expect(progress[progress.length - 1].data).toMatchObject({
        agentName: 'talker',
        message: 'talker: step 100/100',
      });
    });
  });

  describe('GET /api/workflows/:id/logs and /events', () => {
    it('returns every log line in order, pages without splitting an event, and matches the event log', async () => {
      const created = await api.create(
        { name: 'logs', agents: [simulatedAgent('flood', { durationMs: 200, progressMessages: 1_200 })] },
        true,
      );
      await api.waitForEnd(created.id);
      const lines: WorkflowLogsResponse['items'] = [];
      let after = 0;
      for (;;) {
        const page = (
          await api.request<WorkflowLogsResponse>(
            'GET',
            `/api/workflows/${created.id}/logs?after=${after}&limit=300`,
          )
        ).body.items;
        if (page.length === 0) break;
        lines.push(...page);
        // A page ends on an event boundary: its last line is the last line of its event.
        const last = page[page.length - 1];
        after = last.id;
      }
      const progressLines = lines
        .filter((line) => /flood: step/.test(line.message))
        .map((line) => line.message);
      expect(progressLines).toEqual(Array.from({ length: 1_200 }, (_, i) => `flood: step ${i + 1}/1200`));
      const events = await api.allEvents(created.id);
      const fromEvents = events.flatMap((event) =>
        event.type === 'log:created'
          ? [event.data.message]
          : event.type === 'log:batch'
            ? event.data.lines.map((line) => line.message)
            : [],
      );
      expect(lines.map((line) => line.message)).toEqual(fromEvents);
      expect(events.some((event) => event.type === 'log:batch')).toBe(true);
      const all = (
        await api.request<WorkflowLogsResponse>('GET', `/api/workflows/${created.id}/logs?limit=1000`)
      ).body.items;
      const byEvent = new Map<number, number>();
      for (const line of all) byEvent.set(line.id, (byEvent.get(line.id) ?? 0) + 1);
      for (const event of events) {
        if (event.type === 'log:batch' && byEvent.has(event.id))
          expect(byEvent.get(event.id)).toBe(event.data.lines.length);
      }
      expect((await api.request('GET', `/api/workflows/${created.id}/logs?limit=1001`)).status).toBe(400);
      expect((await api.request('GET', `/api/workflows/${created.id}/events?after=-1`)).status).toBe(400);
    });

    it('pages back from the newest lines with ?before, never splitting an event, to the same log', async () => {
      const created = await api.create(
        { name: 'logs back', agents: [simulatedAgent('flood', { durationMs: 200, progressMessages: 900 })] },
        true,
      );
      await api.waitForEnd(created.id);
      const forward = (
        await api.request<WorkflowLogsResponse>('GET', `/api/workflows/${created.id}/logs?limit=1000`)
      ).body.items;
      expect(forward.length).toBeGreaterThan(900);
      const backward: WorkflowLogsResponse['items'] = [];
      let before = Number.MAX_SAFE_INTEGER;
      for (;;) {
        const page = (
          await api.request<WorkflowLogsResponse>(
            'GET',
            `/api/workflows/${created.id}/logs?before=${before}&limit=250`,
          )
        ).body.items;
        if (page.length === 0) break;
        // Whole events only: the page's first line starts its event.
        expect(page[0].index).toBe(0);
        // At most the limit, unless the page is one event larger than it.
        if (new Set(page.map((line) => line.id)).size > 1) expect(page.length).toBeLessThanOrEqual(250);
        backward.unshift(...page);
        before = page[0].id;
      }
      expect(backward).toEqual(forward);
      // The lines of an agent's output batch name the agent, as the stream's log:batch does.
      expect(forward.some((line) => line.agentName === 'flood')).toBe(true);
      const both = await api.request<ErrorResponse>(
        'GET',
        `/api/workflows/${created.id}/logs?after=1&before=9`,
      );
      expect(both.status).toBe(400);
      expect(JSON.stringify(both.body)).toContain('before cannot be combined with after');
      expect((await api.request('GET', `/api/workflows/${created.id}/logs?before=0`)).status).toBe(400);
    });

    it('downloads every log line as one plain-text file', async () => {
      const created = await api.create(
        { name: 'download', agents: [simulatedAgent('flood', { durationMs: 200, progressMessages: 2_500 })] },
        true,
      );
      await api.waitForEnd(created.id);
      const response = await fetch(`${server.url}/api/workflows/${created.id}/logs/download`, {
        headers: api.authHeaders,
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect(response.headers.get('content-disposition')).toBe(`attachment; filename="${created.id}.log"`);
      const text = await response.text();
      const fileLines = text.split('\n');
      expect(fileLines.pop()).toBe('');
      const stored: WorkflowLogsResponse['items'] = [];
      for (let after = 0; ; ) {
        const page = (
          await api.request<WorkflowLogsResponse>(
            'GET',
            `/api/workflows/${created.id}/logs?after=${after}&limit=1000`,
          )
        ).body.items;
        if (page.length === 0) break;
        stored.push(...page);
        after = page[page.length - 1].id;
      }
      expect(fileLines).toHaveLength(stored.length);
      fileLines.forEach((line, index) => {
        const item = stored[index];
        expect(line.startsWith(`${item.timestamp} ${item.level.toUpperCase()}`)).toBe(true);
        expect(line.endsWith(` ${item.message}`)).toBe(true);
      });
      expect(fileLines.filter((line) => / \[flood\] flood: step \d+\/2500$/.test(line))).toHaveLength(2_500);
      const missing = await fetch(`${server.url}/api/workflows/wf_AAAAAAAAAAAAAAAA/logs/download`, {
        headers: api.authHeaders,
      });
      expect(missing.status).toBe(404);
      expect(missing.headers.get('content-type')).toContain('application/json');
    });
  });
});
