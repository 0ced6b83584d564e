import { foldWorkflow, seedWorkflow, type StreamEvent, type WorkflowDetail } from '@flowcast/shared-contract';
import { capturingStream, fakeContext } from '../../testing/fake-context';
import { chooseRenderer } from './choose';
import { JsonRenderer } from './json-renderer';
import { PlainRenderer } from './plain-renderer';
import type { Renderer } from './renderer';
import { agentBar, TtyRenderer } from './tty-renderer';

const workflowId = 'wf_AAAAAAAAAAAAAAAA';
const ts = '2026-01-01T00:00:00.000Z';
const seed = (budgetLimit: number | null) =>
  seedWorkflow({
    id: workflowId,
    name: 'demo',
    createdAt: ts,
    maxIterations: 2,
    budgetLimit,
    agents: [
      { agentName: 'dev', agentRole: 'developer' },
      { agentName: 'reviewer', agentRole: 'reviewer' },
    ],
  });

const events: StreamEvent[] = [
  { id: 1, type: 'workflow:started', data: { name: 'demo', totalSteps: 2, workflowId, ts } },
  {
    id: 2,
    type: 'workflow:running',
    data: { currentAgent: 'dev', currentStep: 1, iterations: 1, workflowId, ts },
  },
  {
    id: 3,
    type: 'agent:started',
    data: { agentName: 'dev', agentRole: 'developer', stepNumber: 1, prompt: 'p', workflowId, ts },
  },
  {
    id: 4,
    type: 'log:created',
    data: { level: 'info', message: 'one', timestamp: ts, metadata: { agentName: 'dev' }, workflowId, ts },
  },
  {
    id: 5,
    type: 'log:batch',
    data: {
      agentName: 'dev',
      lines: [
        { level: 'warn', message: 'two\nlines', timestamp: ts },
        { level: 'error', message: 'three', timestamp: ts },
      ],
      workflowId,
      ts,
    },
  },
  { id: 6, type: 'workflow:running', data: { totalCost: 1.25, workflowId, ts } },
];

function run(renderer: { event(event: StreamEvent, view: WorkflowDetail): void }, view: WorkflowDetail) {
  let state = view;
  for (const event of events) {
    state = foldWorkflow(state, [event]);
    renderer.event(event, state);
  }
  return state;
}

describe('PlainRenderer', () => {
  it('prints every log line once, in the log download format, with the milestones', () => {
    const stdout = capturingStream();
    run(new PlainRenderer(stdout, capturingStream()), seed(5));
    expect(stdout.text().split('\n')).toEqual([
      '== demo (wf_AAAAAAAAAAAAAAAA) started: 2 steps, budget $5.00',
      '== step 1/2 dev (developer) started, iteration 1/2',
      `${ts} INFO  [dev] one`,
      `${ts} WARN  [dev] two\\nlines`,
      `${ts} ERROR [dev] three`,
      '',
    ]);
  });

  it('prints only the log lines without milestones (logs --follow), and notices on stderr', () => {
    const stdout = capturingStream();
    const stderr = capturingStream();
    const renderer = new PlainRenderer(stdout, stderr, false);
    run(renderer, seed(5));
    renderer.notice('stream interrupted');
    expect(stdout.text().trim().split('\n')).toHaveLength(3);
    expect(stderr.text()).toBe('flowcast: stream interrupted\n');
  });
});

describe('JsonRenderer', () => {
  it('prints each stored event as { id, type, data }, one a line, and no snapshot event', () => {
    const stdout = capturingStream();
    const renderer: Renderer = new JsonRenderer(stdout, capturingStream());
    const view = run(renderer, seed(5));
    renderer.event({ type: 'workflow:state', data: { ...view, workflowId, ts } }, view);
    const printed = stdout
      .text()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(printed).toEqual(events);
  });
});

describe('agentBar', () => {
  it("shows an agent's step, the iteration and its cost against the budget", () => {
    const view = foldWorkflow(seed(5), events);
    expect(agentBar(view.agents[0], view, 8)).toEqual({
      value: 25,
      payload: {
        agent: 'dev     ',
        status: 'running  ',
        step: '1/2',
        iteration: '1/2',
        cost: '$1.25 / $5.00',
      },
    });
    expect(agentBar(view.agents[1], view, 8).value).toBe(0);
  });

  it('fills the bar when the agent ends, where there is no budget to measure against', () => {
    const view = foldWorkflow(seed(null), [
      ...events,
      {
        id: 7,
        type: 'agent:completed',
        data: { agentName: 'dev', stepNumber: 1, duration: 10, cost: 1.5, workflowId, ts },
      },
    ]);
    expect(agentBar(view.agents[0], view, 3)).toMatchObject({
      value: 100,
      payload: { status: 'completed', cost: '$1.50' },
    });
  });
});

describe('chooseRenderer', () => {
  it('gives JSON lines for --json, bars on a terminal and plain lines otherwise', () => {
    const context = fakeContext();
    expect(chooseRenderer(true, context)).toBeInstanceOf(JsonRenderer);
    expect(chooseRenderer(false, context)).toBeInstanceOf(PlainRenderer);
    context.stdout.isTTY = true;
    expect(chooseRenderer(false, context)).toBeInstanceOf(TtyRenderer);
    expect(chooseRenderer(true, context)).toBeInstanceOf(JsonRenderer);
  });
});
