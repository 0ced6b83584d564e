import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed, type ComponentFixture } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import {
  EVENT_SOURCE_FACTORY,
  FakeEventSource,
  type EventSourceFactory,
} from '@flowcast/console-data-access';
import {
  seedWorkflow,
  type WorkflowListResponse,
  type WorkflowState,
  workflowSummary,
} from '@flowcast/shared-contract';
import { WorkflowListPageComponent } from './workflow-list-page.component';

const ts = '2026-01-15T09:00:00.000Z';

/** A new workflow's list entry (two agents), as the server makes it, with `overrides`. */
function workflow(id: string, overrides: Partial<WorkflowState> = {}): WorkflowState {
  const seed = seedWorkflow({
    id,
    name: `flow ${id}`,
    createdAt: ts,
    maxIterations: 1,
    budgetLimit: null,
    agents: [
      { agentName: 'dev', agentRole: 'developer' },
      { agentName: 'review', agentRole: 'reviewer' },
    ],
  });
  return { ...workflowSummary(seed), ...overrides };
}

describe('WorkflowListPageComponent', () => {
  let sources: FakeEventSource[];
  let fixture: ComponentFixture<WorkflowListPageComponent>;
  let http: HttpTestingController;

  async function render(factory: EventSourceFactory | null): Promise<void> {
    TestBed.configureTestingModule({
      providers: [
        provideRouter([]),
        provideHttpClient(),
        provideHttpClientTesting(),
        { provide: EVENT_SOURCE_FACTORY, useValue: factory },
      ],
    });
    http = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(WorkflowListPageComponent);
    await fixture.whenStable();
  }

  function fakeFactory(): EventSourceFactory {
    return (url, init) => {
      sources.push(new FakeEventSource(url, init));
      return sources[sources.length - 1];
    };
  }

  /** Renders, lets what that started with a 0 ms timer or a promise run, and renders again. */
  async function settle(): Promise<void> {
    await fixture.whenStable();
    await new Promise((resolve) => setTimeout(resolve, 0));
    await fixture.whenStable();
  }

  const element = (): HTMLElement => fixture.nativeElement;
  const rows = () =>
    [...element().querySelectorAll('[data-testid="workflow-row"]')].map((row) =>
      [...row.querySelectorAll('td')].slice(0, 2).map((cell) => cell.textContent?.trim()),
    );
  const connection = () => element().querySelector('[data-testid="connection-state"]')?.textContent?.trim();
  const button = (label: string) =>
    [...element().querySelectorAll('button')].find((each) => each.textContent?.trim() === label);

  beforeEach(() => {
    sources = [];
  });

  afterEach(() => {
    fixture.destroy();
    http.verify();
  });

  describe('while the list stream is live', () => {
    beforeEach(async () => {
      await render(fakeFactory());
      sources[0].open();
      sources[0].emit(
        'workflow:list',
        { items: [workflow('wf_b'), workflow('wf_a', { status: 'completed' })], nextCursor: 'older', ts },
        'p.1',
      );
      await fixture.whenStable();
    });

    it('renders the rows of the stream’s first page and asks GET /api/workflows for nothing', () => {
      expect(sources.map((source) => source.url)).toEqual(['/api/workflows/stream']);
      expect(rows()).toEqual([
        ['flow wf_b', 'pending'],
        ['flow wf_a', 'completed'],
      ]);
      expect(connection()).toBe('live');
      http.expectNone(() => true);
    });

    it('shows a created workflow first and an update in its row, still without a request', async () => {
      sources[0].emit('workflow:created', { ...workflow('wf_c'), ts }, 'p.2');
      sources[0].emit('workflow:updated', { ...workflow('wf_b', { status: 'running' }), ts }, 'p.3');
      await fixture.whenStable();

      expect(rows()).toEqual([
        ['flow wf_c', 'pending'],
        ['flow wf_b', 'running'],
        ['flow wf_a', 'completed'],
      ]);
      http.expectNone(() => true);
    });

    it('pages to older workflows with GET /api/workflows?cursor= and back to the live list', async () => {
      button('Older')?.click();
      await settle();
      const older: WorkflowListResponse = { items: [workflow('wf_old')], nextCursor: null };
      http
        .expectOne(
          (request) =>
            request.url === '/api/workflows' &&
            request.params.get('cursor') === 'older' &&
            request.params.get('limit') === '20',
        )
        .flush(older);
      await settle();
      expect(rows()).toEqual([['flow wf_old', 'pending']]);
      expect(connection()).toBeUndefined();

      button('Newer')?.click();
      await settle();
      expect(rows().map(([name]) => name)).toEqual(['flow wf_b', 'flow wf_a']);
      expect(connection()).toBe('live');
      expect(sources).toHaveLength(1);
    });

    it('closes the stream when the page is left', () => {
      fixture.destroy();
      expect(sources[0].closed).toBe(true);
    });
  });

  it('polls the first page of GET /api/workflows where there is no EventSource', async () => {
    await render(null);
    http
      .expectOne((request) => request.url === '/api/workflows' && request.params.keys().length === 0)
      .flush({ items: [workflow('wf_a')], nextCursor: null });
    await settle();

    expect(rows()).toEqual([['flow wf_a', 'pending']]);
    expect(connection()).toBe('polling');
  });
});
