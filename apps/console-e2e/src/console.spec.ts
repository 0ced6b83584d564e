import { expect, test } from '@playwright/test';
import { simulatedAgent } from '@flowcast/testing-e2e';
import { allLogMessages, deploy, type Deployment, screenshot, signIn } from './support/deployment';

test.describe('the console', () => {
  /** Starts the deployment for this test; afterEach stops it. */
  const deployed = async (env: Record<string, string> = {}) => (server = await deploy(env));
  let server: Deployment | undefined;

  test.afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  test('signs in through the form, starts the demo and watches it finish live', async ({ page }) => {
    const server = await deployed({ SSE_CLOSE_GRACE_MS: '500' });
    await signIn(page, server);

    await page.getByRole('link', { name: 'New workflow' }).first().click();
    await page.getByTestId('template-demo').click();
    await page.getByTestId('create-workflow').click();
    await expect(page).toHaveURL(/\/workflows\/wf_[A-Za-z0-9_-]{16}$/);
    const id = page.url().split('/').pop() as string;

    await expect(page.getByTestId('connection-state')).toHaveText('live');
    await expect(page.getByTestId('workflow-status')).toHaveText('running');
    // The elapsed time ticks while it runs.
    const elapsed = page.getByTestId('workflow-elapsed');
    const runningFor = (await elapsed.textContent()) ?? '';
    await expect(elapsed).not.toHaveText(runningFor, { timeout: 3_000 });
    await expect(page.getByTestId('agent-row')).toHaveCount(3);
    await expect(page.getByTestId('log-line').first()).toBeVisible();

    await expect(page.getByTestId('workflow-status')).toHaveText('completed', { timeout: 60_000 });
    // The server closes the stream after the final event (SSE_CLOSE_GRACE_MS): the indicator says so.
    await expect(page.getByTestId('connection-state')).toHaveText('ended');
    // Once it has ended, the elapsed time stands still.
    const ranFor = (await elapsed.textContent()) ?? '';
    await page.waitForTimeout(1_500);
    await expect(elapsed).toHaveText(ranFor);
    const final = await server.api.get(id);
    expect(final.iterations).toBe(2);
    await expect(page.getByTestId('total-cost')).toHaveText(`$${final.totalCost.toFixed(2)}`);
    const percentage = Math.round((final.totalCost / (final.budgetLimit ?? 1)) * 100);
    await expect(page.getByTestId('budget-bar')).toHaveAttribute('aria-valuenow', String(percentage));
    const stored = await allLogMessages(server.api, id);
    await expect(page.getByTestId('log-line')).toHaveCount(Math.min(200, stored.length));
    await expect(page.getByTestId('log-line').last()).toContainText(stored[stored.length - 1]);
    await screenshot(page, 'console-detail');

    await page.getByRole('link', { name: 'Workflows' }).first().click();
    await expect(page.getByTestId('workflow-row').first()).toContainText('completed');
    await screenshot(page, 'console-list');
  });

  test('rides through an API crash and restart without a reload, converging on the stored state', async ({
    page,
  }) => {
    const server = await deployed();
    const created = await server.api.create(
      {
        name: 'survives a crash',
        budgetLimit: 10,
        agents: [simulatedAgent('worker', { durationMs: 60_000, progressMessages: 600, cost: 6 })],
      },
      true,
    );
    await signIn(page, server);
    await page.goto(`${server.url}/workflows/${created.id}`);
    await expect(page.getByTestId('connection-state')).toHaveText('live');
    await expect(page.getByTestId('log-line')).not.toHaveCount(0);
    await expect.poll(async () => page.getByTestId('log-line').count()).toBeGreaterThan(20);

    await server.crash();
    await expect(page.getByTestId('connection-state')).toHaveText('reconnecting');
    await expect(page.getByTestId('reconnect-button')).toBeVisible();

    await server.recover();
    // The restarted server ends the interrupted run; the page resumes by id and shows the final state.
    await expect(page.getByTestId('workflow-status')).toHaveText('failed', { timeout: 60_000 });
    const final = await server.api.get(created.id);
    expect(final.error).toBe('interrupted');
    await expect(page.getByTestId('total-cost')).toHaveText(`$${final.totalCost.toFixed(2)}`);
    const stored = await allLogMessages(server.api, created.id);
    const expected = stored.slice(-200);
    await expect(page.getByTestId('log-line')).toHaveCount(expected.length);
    const shown = await page.getByTestId('log-line').allTextContents();
    expect(shown.map((text, index) => text.includes(expected[index]))).toEqual(expected.map(() => true));
  });

  test('keeps the workflows list live from its stream, never asking for the list while it is healthy', async ({
    page,
  }) => {
    const server = await deployed();
    const listRequests: string[] = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (request.method() === 'GET' && url.pathname === '/api/workflows') listRequests.push(url.href);
    });
    await signIn(page, server);
    await expect(page.getByTestId('connection-state')).toHaveText('live');
    await server.api.create(
      {
        name: 'appears live',
        agents: [simulatedAgent('dev', { durationMs: 1_500, progressMessages: 5, cost: 0.5 })],
      },
      true,
    );
    const row = page.getByTestId('workflow-row').filter({ hasText: 'appears live' });
    await expect(row).toBeVisible();
    await expect(row).toContainText('completed', { timeout: 30_000 });
    await expect(row).toContainText('$0.50');
    await expect(page.getByTestId('connection-state')).toHaveText('live');
    expect(listRequests).toEqual([]);
  });

  test('shows a finished workflow’s final state, opens no stream that keeps reconnecting, and runs it again', async ({
    page,
  }) => {
    const server = await deployed({ SSE_CLOSE_GRACE_MS: '200' });
    const created = await server.api.create(
      { name: 'already done', agents: [simulatedAgent('quick', { durationMs: 100, cost: 0.25 })] },
      true,
    );
    await server.api.waitForEnd(created.id);
    await signIn(page, server);

    const streamRequests: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/stream')) streamRequests.push(request.url());
    });
    await page.goto(`${server.url}/workflows/${created.id}`);
    await expect(page.getByTestId('workflow-status')).toHaveText('completed');
    await expect(page.getByTestId('total-cost')).toHaveText('$0.25');
    await expect(page.getByTestId('connection-state')).toHaveText('ended');
    await expect(page.getByTestId('reconnect-button')).toHaveCount(0);
    // Watch for a while: a client that kept reconnecting would open stream after stream.
    await page.waitForTimeout(5_000);
    expect(streamRequests.length).toBeLessThanOrEqual(1);

    // Run again: a new workflow from the same definition, shown live on the same page.
    await page.getByTestId('rerun-button').click();
    await expect(page).toHaveURL(/\/workflows\/wf_[A-Za-z0-9_-]{16}$/);
    await expect(page).not.toHaveURL(new RegExp(`${created.id}$`));
    await expect(page.getByTestId('workflow-status')).toHaveText('completed', { timeout: 30_000 });
    await expect(page.getByTestId('total-cost')).toHaveText('$0.25');
    const again = await server.api.get(page.url().split('/').pop() as string);
    expect(again).toMatchObject({ name: 'already done', status: 'completed', totalCost: 0.25 });
  });

  test('deletes a finished workflow from its page after a confirmation; the live list lets it go', async ({
    page,
  }) => {
    const server = await deployed();
    const created = await server.api.create(
      { name: 'to be deleted', agents: [simulatedAgent('quick', { durationMs: 100, cost: 0.25 })] },
      true,
    );
    await server.api.waitForEnd(created.id);
    await signIn(page, server);
    await expect(page.getByTestId('workflow-row').filter({ hasText: 'to be deleted' })).toBeVisible();
    await page.goto(`${server.url}/workflows/${created.id}`);
    await expect(page.getByTestId('workflow-status')).toHaveText('completed');

    // One press asks; only the confirmation deletes.
    await page.getByTestId('delete-button').click();
    expect((await server.api.request('GET', `/api/workflows/${created.id}`)).status).toBe(200);
    await page.getByTestId('confirm-delete').click();
    await expect(page).toHaveURL(/\/workflows$/);
    await expect(page.getByText('Workflow deleted.')).toBeVisible();
    await expect(page.getByTestId('workflow-row').filter({ hasText: 'to be deleted' })).toHaveCount(0);
    expect((await server.api.request('GET', `/api/workflows/${created.id}`)).status).toBe(404);

    // Deleted elsewhere (the API): an open list drops it live.
    const other = await server.api.create(
      { name: 'deleted elsewhere', agents: [simulatedAgent('quick', { durationMs: 100, cost: 0.25 })] },
      true,
    );
    await server.api.waitForEnd(other.id);
    const row = page.getByTestId('workflow-row').filter({ hasText: 'deleted elsewhere' });
    await expect(row).toContainText('completed');
    expect((await server.api.request('DELETE', `/api/workflows/${other.id}`)).status).toBe(204);
    await expect(row).toHaveCount(0);
    await expect(page.getByTestId('connection-state')).toHaveText('live');

    // Deleted elsewhere while its page is open: the page says so, and stops asking.
    const watched = await server.api.create({ name: 'watched', agents: [simulatedAgent('quick')] });
    await page.goto(`${server.url}/workflows/${watched.id}`);
    await expect(page.getByTestId('workflow-status')).toHaveText('pending');
    expect((await server.api.request('DELETE', `/api/workflows/${watched.id}`)).status).toBe(204);
    await expect(page.getByTestId('workflow-gone')).toBeVisible({ timeout: 15_000 });
    await expect(page.getByTestId('connection-state')).toHaveText('ended');
  });
});
