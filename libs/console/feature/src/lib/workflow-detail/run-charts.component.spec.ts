import { signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { Subject } from 'rxjs';
import { type AppliedEvent, type WorkflowStream, WorkflowsApi } from '@flowcast/console-data-access';
import {
  foldWorkflow,
  seedWorkflow,
  type StoredEvent,
  type StoredEventType,
  type WorkflowDetail,
  type WorkflowEventMap,
} from '@flowcast/shared-contract';
import { RunChartsComponent } from './run-charts.component';

const WF = 'wf_AbCdEfGhIjKlMnOp';
const T0 = Date.UTC(2026, 0, 15, 9, 0, 0);

function stored<K extends StoredEventType>(id: number, type: K, payload: WorkflowEventMap[K]): AppliedEvent {
  return {
    id,
    type,
    data: { ...payload, workflowId: WF, ts: new Date(T0 + id * 100).toISOString() },
  } as AppliedEvent;
}

const EVENTS = [
  stored(1, 'workflow:started', { name: 'w', totalSteps: 1, budgetLimit: 2 }),
  stored(2, 'workflow:running', { currentAgent: 'dev', currentStep: 1, iterations: 1 }),
  stored(3, 'agent:started', { agentName: 'dev', agentRole: 'developer', stepNumber: 1, prompt: 'p' }),
  stored(4, 'agent:completed', { agentName: 'dev', stepNumber: 1, duration: 100, cost: 0.5 }),
  stored(5, 'workflow:running', { totalCost: 0.5 }),
];

const SEED = seedWorkflow({
  id: WF,
  name: 'w',
  createdAt: new Date(T0).toISOString(),
  maxIterations: 1,
  budgetLimit: 2,
  agents: [{ agentName: 'dev', agentRole: 'developer' }],
});

describe('RunChartsComponent', () => {
  it('loads the stored history for the stream’s workflow, then follows its applied events', async () => {
    const events = jest.fn(async (_id: string, after = 0) => ({
      items: EVENTS.slice(after, 3) as StoredEvent[],
    }));
    TestBed.configureTestingModule({ providers: [{ provide: WorkflowsApi, useValue: { events } }] });
    const view = signal<WorkflowDetail | null>(foldWorkflow(SEED, EVENTS.slice(0, 3)));
    const applied$ = new Subject<AppliedEvent>();
    const stream = { workflowId: WF, view, applied$ } as unknown as WorkflowStream;
    const fixture = TestBed.createComponent(RunChartsComponent);
    fixture.componentRef.setInput('stream', stream);
    await fixture.whenStable();
    const root = fixture.nativeElement as HTMLElement;

    expect(events).toHaveBeenCalledWith(WF, 0, 1_000);
    const bar = () => root.querySelector('[data-testid="timeline-bar"]') as SVGElement;
    expect(bar().dataset['status']).toBe('running');
    expect(root.querySelector('[data-testid="budget-line"]')?.getAttribute('data-cost')).toBe('2');

    for (const event of EVENTS.slice(3)) applied$.next(event);
    view.set(foldWorkflow(SEED, EVENTS));
    await fixture.whenStable();
    expect(bar().dataset['status']).toBe('completed');
    expect(root.querySelector('[data-testid="cost-line"]')?.getAttribute('data-final-cost')).toBe('0.5');
    expect(events).toHaveBeenCalledTimes(1);
  });
});
