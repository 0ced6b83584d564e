import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { DEMO_WORKFLOW, seedWorkflow, type WorkflowDetail } from '@flowcast/shared-contract';
import { WorkflowsApi } from './workflows-api.service';

const ID = 'wf_AbCdEfGhIjKlMnOp';
const DETAIL: WorkflowDetail = seedWorkflow({
  id: ID,
  name: 'Fix login bug',
  createdAt: '2026-01-15T09:00:00.000Z',
  maxIterations: 1,
  budgetLimit: null,
  agents: [{ agentName: 'agent-1', agentRole: 'developer' }],
});

describe('WorkflowsApi', () => {
  let api: WorkflowsApi;
  let backend: HttpTestingController;

  beforeEach(() => {
    TestBed.configureTestingModule({ providers: [provideHttpClient(), provideHttpClientTesting()] });
    api = TestBed.inject(WorkflowsApi);
    backend = TestBed.inject(HttpTestingController);
  });

  afterEach(() => backend.verify());

  it('lists a page, passing only the cursor and limit it was given', async () => {
    const first = api.list();
    backend
      .expectOne((req) => req.url === '/api/workflows' && req.params.keys().length === 0)
      .flush({
        items: [],
        nextCursor: 'c1',
      });
    await expect(first).resolves.toEqual({ items: [], nextCursor: 'c1' });

    const next = api.list('c1', 20);
    backend.expectOne('/api/workflows?cursor=c1&limit=20').flush({ items: [DETAIL], nextCursor: null });
    await expect(next).resolves.toEqual({ items: [DETAIL], nextCursor: null });
  });

  it('gets one workflow', async () => {
    const detail = api.get(ID);
    backend.expectOne({ method: 'GET', url: `/api/workflows/${ID}` }).flush(DETAIL);
    await expect(detail).resolves.toEqual(DETAIL);
  });

  it('creates a workflow, started at once only when asked', async () => {
    const created = api.create(DEMO_WORKFLOW);
    const plain = backend.expectOne({ method: 'POST', url: '/api/workflows' });
    expect(plain.request.body).toEqual(DEMO_WORKFLOW);
    plain.flush(DETAIL);
    await expect(created).resolves.toEqual(DETAIL);

    const started = api.create(DEMO_WORKFLOW, true);
    backend
      .expectOne({ method: 'POST', url: '/api/workflows?start=true' })
      .flush({ ...DETAIL, status: 'running' });
    await expect(started).resolves.toMatchObject({ status: 'running' });
  });

  it('starts and cancels with POSTs to the workflow', async () => {
    const started = api.start(ID);
    backend
      .expectOne({ method: 'POST', url: `/api/workflows/${ID}/start` })
      .flush(DETAIL, { status: 202, statusText: 'Accepted' });
    await expect(started).resolves.toEqual(DETAIL);

    const cancelled = api.cancel(ID);
    backend
      .expectOne({ method: 'POST', url: `/api/workflows/${ID}/cancel` })
      .flush(DETAIL, { status: 202, statusText: 'Accepted' });
    await expect(cancelled).resolves.toEqual(DETAIL);
  });

  it('deletes a workflow', async () => {
    const removed = api.remove(ID);
    backend
      .expectOne({ method: 'DELETE', url: `/api/workflows/${ID}` })
      .flush(null, { status: 204, statusText: 'No Content' });
    await expect(removed).resolves.toBeUndefined();
  });

  it('reads log lines after an event id', async () => {
    const logs = api.logs(ID, { after: 12, limit: 100 });
    backend.expectOne(`/api/workflows/${ID}/logs?after=12&limit=100`).flush({ items: [] });
    await expect(logs).resolves.toEqual({ items: [] });
  });

  it('reads the log lines before an event id', async () => {
    const logs = api.logs(ID, { before: 40, limit: 1000 });
    backend.expectOne(`/api/workflows/${ID}/logs?before=40&limit=1000`).flush({ items: [] });
    await expect(logs).resolves.toEqual({ items: [] });
  });

  it('reads stored events after an event id', async () => {
    const events = api.events(ID, 40, 1000);
    backend.expectOne(`/api/workflows/${ID}/events?after=40&limit=1000`).flush({ items: [] });
    await expect(events).resolves.toEqual({ items: [] });
  });
});
