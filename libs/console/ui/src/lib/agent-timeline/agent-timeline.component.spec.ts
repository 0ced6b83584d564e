import { TestBed, type ComponentFixture } from '@angular/core/testing';
import type { AgentState } from '@flowcast/shared-contract';
import { AgentTimelineComponent } from './agent-timeline.component';

function agent(overrides: Partial<AgentState> & Pick<AgentState, 'agentName' | 'stepNumber'>): AgentState {
  return {
    agentRole: 'developer',
    status: 'pending',
    startedAt: null,
    completedAt: null,
    duration: null,
    cost: null,
    ...overrides,
  };
}

const AGENTS: AgentState[] = [
  agent({
    agentName: 'agent-1',
    agentRole: 'developer',
    stepNumber: 1,
    status: 'completed',
    startedAt: '2025-01-01T00:00:00.000Z',
    completedAt: '2025-01-01T00:00:01.500Z',
    duration: 1_500,
    cost: 0.4,
  }),
  agent({
    agentName: 'agent-2',
    agentRole: 'reviewer',
    stepNumber: 2,
    status: 'failed',
    duration: 123_000,
    cost: 1.25,
  }),
  agent({ agentName: 'agent-3', agentRole: 'tester', stepNumber: 3, status: 'running' }),
  agent({ agentName: 'agent-4', agentRole: 'writer', stepNumber: 4 }),
];

describe('AgentTimelineComponent', () => {
  let fixture: ComponentFixture<AgentTimelineComponent>;

  async function show(agents: AgentState[], iterations = 2): Promise<HTMLElement[]> {
    fixture.componentRef.setInput('agents', agents);
    fixture.componentRef.setInput('iterations', iterations);
    await fixture.whenStable();
    return Array.from((fixture.nativeElement as HTMLElement).querySelectorAll('[data-testid="agent-row"]'));
  }

  function cells(row: HTMLElement): string[] {
    return Array.from(row.children).map((cell) => (cell.textContent ?? '').trim());
  }

  beforeEach(() => {
    fixture = TestBed.createComponent(AgentTimelineComponent);
  });

  it('shows one row per agent', async () => {
    expect(await show(AGENTS)).toHaveLength(4);
  });

  it('shows step, name, role, status, duration, cost and iteration of an agent that has run', async () => {
    const [first, second] = await show(AGENTS);
    expect(cells(first)).toEqual(['1', 'agent-1', 'developer', 'completed', '1.5 s', '$0.40', '2']);
    expect(cells(second)).toEqual(['2', 'agent-2', 'reviewer', 'failed', '2 min 3 s', '$1.25', '2']);
  });

  it('shows dashes for what a running or pending agent does not know yet', async () => {
    const rows = await show(AGENTS);
    expect(cells(rows[2])).toEqual(['3', 'agent-3', 'tester', 'running', '—', '—', '2']);
    expect(cells(rows[3])).toEqual(['4', 'agent-4', 'writer', 'pending', '—', '—', '—']);
  });

  it('ticks a running agent’s time from its start, every second', async () => {
    const startedAt = new Date(Date.now() - 2_000).toISOString();
    const [row] = await show([agent({ agentName: 'agent-1', stepNumber: 1, status: 'running', startedAt })]);
    const seconds = () => Number(/^([\d.]+) s$/.exec(cells(row)[4])?.[1]);
    const first = seconds();
    expect(first).toBeGreaterThanOrEqual(2);
    expect(first).toBeLessThan(3);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await fixture.whenStable();
    expect(seconds()).toBeGreaterThanOrEqual(first + 1);
  });

  it('shows the status with a status chip', async () => {
    const [first] = await show(AGENTS);
    const chip = first.querySelector('fc-status-chip');
    expect(chip?.getAttribute('data-status')).toBe('completed');
  });

  it('gives every column a header and names each row by its agent', async () => {
    await show(AGENTS);
    const element = fixture.nativeElement as HTMLElement;
    const headers = Array.from(element.querySelectorAll('thead th')).map((th) => th.textContent?.trim());
    expect(headers).toEqual(['Step', 'Agent', 'Role', 'Status', 'Duration', 'Cost', 'Iteration']);
    expect(element.querySelectorAll('thead th[scope="col"]')).toHaveLength(7);
    expect(element.querySelector('tbody th[scope="row"]')?.textContent?.trim()).toBe('agent-1');
  });

  it('updates a row in place when an agent changes status', async () => {
    const [before] = await show([agent({ agentName: 'agent-1', stepNumber: 1, status: 'running' })], 1);
    const [after] = await show(
      [agent({ agentName: 'agent-1', stepNumber: 1, status: 'completed', duration: 800, cost: 0.1 })],
      1,
    );
    expect(after).toBe(before);
    expect(cells(after)).toEqual(['1', 'agent-1', 'developer', 'completed', '800 ms', '$0.10', '1']);
  });

  it('shows an empty state without agent rows when there are no agents', async () => {
    expect(await show([])).toHaveLength(0);
    expect((fixture.nativeElement as HTMLElement).textContent).toContain('No agents yet.');
  });
});
