import { expect, type Page, test } from '@playwright/test';
import type { StoredEvent, WorkflowDefinition } from '@flowcast/shared-contract';
import { simulatedAgent } from '@flowcast/testing-e2e';
import { deploy, type Deployment, signIn } from './support/deployment';

/** Three agents, two iterations: the last agent fails the first time and starts the workflow over. */
const RETRIED: WorkflowDefinition = {
  name: 'pictures of a run',
  budgetLimit: 3.6,
  maxIterations: 2,
  agents: [
    simulatedAgent('plan', { durationMs: 1_500, cost: 0.4, progressMessages: 3 }),
    simulatedAgent('build', { durationMs: 2_500, cost: 0.8, progressMessages: 5 }),
    {
      ...simulatedAgent('check', { durationMs: 1_500, cost: 0.3, progressMessages: 3 }),
      runner: { type: 'simulated', durationMs: 1_500, cost: 0.3, progressMessages: 3, failIterations: 1 },
      onFailure: 'retry-workflow',
    },
  ],
};

interface Bar {
  agent: string;
  iteration: number;
  status: string;
  startMs: number;
  endMs: number;
}

async function timelineBars(page: Page): Promise<Bar[]> {
  const bars = await page
    .getByTestId('timeline-bar')
    .evaluateAll((elements) => elements.map((element) => ({ ...(element as SVGElement).dataset })));
  return bars
    .map((data) => ({
      agent: data['agent'] ?? '',
      iteration: Number(data['iteration']),
      status: data['status'] ?? '',
      startMs: Number(data['startMs']),
      endMs: Number(data['endMs']),
    }))
    .sort((a, b) => a.startMs - b.startMs);
}

/** What the stored events say, read without the console's code: each agent run's name, outcome and start. */
function runsOf(events: StoredEvent[]): { agent: string; status: string; startMs: number }[] {
  const started = events.find((event) => event.type === 'workflow:started');
  const zero = Date.parse(started?.data.ts ?? '');
  const runs = events
    .filter((event) => event.type === 'agent:started')
    .map((event) => ({ agent: event.data.agentName, status: '', startMs: Date.parse(event.data.ts) - zero }));
  const ends = events.filter((event) => event.type === 'agent:completed' || event.type === 'agent:failed');
  ends.forEach(
    (event, index) => (runs[index].status = event.type === 'agent:completed' ? 'completed' : 'failed'),
  );
  return runs;
}

test.describe('the run charts', () => {
  let server: Deployment | undefined;

  test.afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  test('draw every agent run and the cost against the budget live, matching the tables and the stored events', async ({
    page,
  }) => {
    server = await deploy({ SSE_CLOSE_GRACE_MS: '500' });
    await signIn(page, server);
    const created = await server.api.create(RETRIED);
    await page.goto(`${server.url}/workflows/${created.id}`);
    await expect(page.getByTestId('connection-state')).toHaveText('live');
    await expect(page.getByTestId('timeline-bar')).toHaveCount(0);
    await page.getByTestId('start-button').click();

    // While an agent runs its bar grows (to "now", each second).
    const running = page.locator('[data-testid="timeline-bar"][data-status="running"]');
    await expect(running).toHaveCount(1);
    const agent = (await running.getAttribute('data-agent')) ?? '';
    const iteration = (await running.getAttribute('data-iteration')) ?? '';
    const sameBar = page.locator(
      `[data-testid="timeline-bar"][data-agent="${agent}"][data-iteration="${iteration}"]`,
    );
    const endAt = Number(await sameBar.getAttribute('data-end-ms'));
    await expect.poll(async () => Number(await sameBar.getAttribute('data-end-ms'))).toBeGreaterThan(endAt);

    await expect(page.getByTestId('workflow-status')).toHaveText('completed', { timeout: 60_000 });
    const final = await server.api.get(created.id);
    expect(final.iterations).toBe(2);
    const events = (
      await server.api.request<{ items: StoredEvent[] }>(
        'GET',
        `/api/workflows/${created.id}/events?limit=1000`,
      )
    ).body.items;

    // One bar per agent per iteration, as the stored events tell it.
    await expect(page.getByTestId('timeline-bar')).toHaveCount(6);
    const bars = await timelineBars(page);
    expect(bars.map(({ agent, status, startMs }) => ({ agent, status, startMs }))).toEqual(runsOf(events));
    expect(bars.map((bar) => bar.iteration)).toEqual([1, 1, 1, 2, 2, 2]);
    expect(bars.map((bar) => bar.status)).toEqual([
      'completed',
      'completed',
      'failed',
      'completed',
      'completed',
      'completed',
    ]);
    for (const bar of bars) expect(bar.endMs).toBeGreaterThan(bar.startMs);
    // Each agent's latest bar says what its row in the agents table says.
    const rows = page.getByTestId('agent-row');
    await expect(rows).toHaveCount(3);
    for (const row of await rows.all()) {
      const name = await row.getAttribute('data-agent');
      const latest = bars.filter((bar) => bar.agent === name).at(-1);
      expect(latest?.iteration).toBe(2);
      await expect(row).toHaveAttribute('data-status', latest?.status ?? '');
    }
    await expect(
      page.locator('[data-testid="timeline-bar"][data-iteration="1"][data-agent="check"]'),
    ).toHaveAttribute('aria-label', /^check, iteration 1: failed \(.+\), .+ s, \$0\.30$/);

    // The cost line ends at the workflow's total cost; the budget and its 80 % line are drawn.
    await expect(page.getByTestId('cost-line')).toHaveAttribute('data-final-cost', String(final.totalCost));
    await expect(page.getByTestId('total-cost')).toHaveText(`$${final.totalCost.toFixed(2)}`);
    expect(final.totalCost).toBe(3);
    await expect(page.getByTestId('budget-line')).toHaveAttribute('data-cost', '3.6');
    const warning = Number(await page.getByTestId('budget-warning-line').getAttribute('data-cost'));
    expect(warning).toBeCloseTo(2.88, 6);

    // A page opened after the run has ended loads the same history from the events API.
    const later = await page.context().newPage();
    await later.goto(`${server.url}/workflows/${created.id}`);
    await expect(later.getByTestId('workflow-status')).toHaveText('completed');
    await expect(later.getByTestId('timeline-bar')).toHaveCount(6);
    expect(await timelineBars(later)).toEqual(bars);
    await expect(later.getByTestId('cost-line')).toHaveAttribute('data-final-cost', String(final.totalCost));
    await later.close();
  });

  test('draw no budget lines for a workflow without a budget, and fit a phone’s width', async ({ page }) => {
    server = await deploy();
    const created = await server.api.create(
      { name: 'no budget', agents: [simulatedAgent('solo', { durationMs: 300, cost: 0.25 })] },
      true,
    );
    await server.api.waitForEnd(created.id);
    await page.setViewportSize({ width: 390, height: 844 });
    await signIn(page, server);
    await page.goto(`${server.url}/workflows/${created.id}`);
    await expect(page.getByTestId('timeline-bar')).toHaveCount(1);
    await expect(page.getByTestId('cost-line')).toHaveAttribute('data-final-cost', '0.25');
    await expect(page.getByTestId('budget-line')).toHaveCount(0);
    await expect(page.getByTestId('budget-warning-line')).toHaveCount(0);
    for (const chart of ['agent-timeline-chart', 'cost-chart']) {
      const box = await page.getByTestId(chart).boundingBox();
      expect(box?.width ?? 0).toBeGreaterThan(200);
      expect((box?.x ?? 0) + (box?.width ?? 0)).toBeLessThanOrEqual(390);
    }
  });
});
