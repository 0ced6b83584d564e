import { readFileSync } from 'node:fs';
import { expect, type Locator, type Page, test } from '@playwright/test';
import type { WorkflowLogItem, WorkflowLogsResponse } from '@flowcast/shared-contract';
import type { ApiClient } from '@flowcast/testing-e2e';
import { deploy, type Deployment, signIn } from './support/deployment';

/** The console holds this many of the newest lines (LOG_CAPACITY); the DOM holds a window of 200. */
const CAPACITY = 100_000;
const WINDOW = 200;
const ROW_PX = 20;

/** 100,000 numbered lines on stdout, then one on stderr (a `warn` line). */
const FLOOD = `seq -f 'line %g' 1 ${CAPACITY}; echo 'disk almost full' >&2`;

async function storedLines(api: ApiClient, id: string): Promise<WorkflowLogItem[]> {
  const lines: WorkflowLogItem[] = [];
  for (let after = 0; ; ) {
    const page = (
      await api.request<WorkflowLogsResponse>('GET', `/api/workflows/${id}/logs?after=${after}&limit=1000`)
    ).body.items;
    if (page.length === 0) return lines;
    lines.push(...page);
    after = page[page.length - 1].id;
  }
}

const messages = (log: Locator) => log.getByTestId('log-line').locator('.message').allTextContents();

/** Scrolls the log as a reader would; callers wait for what the virtual list renders there. */
async function scrollLogTo(page: Page, top: number): Promise<void> {
  await page.getByRole('log').evaluate((element, to) => {
    element.scrollTop = to;
  }, top);
}

test.describe('the log view', () => {
  let server: Deployment | undefined;

  test.afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  test('holds a 100,000-line log live, scrolls and filters it, and downloads every line', async ({
    page,
  }) => {
    server = await deploy();
    const created = await server.api.create({
      name: 'a long log',
      maxIterations: 1,
      agents: [
        {
          name: 'flood',
          role: 'printer',
          prompt: 'print',
          runner: { type: 'shell', command: 'sh', args: ['-c', FLOOD] },
        },
      ],
    });
    await signIn(page, server);
    await page.goto(`${server.url}/workflows/${created.id}`);
    await expect(page.getByTestId('connection-state')).toHaveText('live');
    await page.getByTestId('start-button').click();
    await expect(page.getByTestId('workflow-status')).toHaveText('completed', { timeout: 90_000 });

    const stored = await storedLines(server.api, created.id);
    expect(stored.length).toBeGreaterThan(CAPACITY);
    const held = stored.slice(-CAPACITY).map((line) => line.message);
    await expect(page.getByTestId('log-count')).toHaveText(`${CAPACITY} of ${CAPACITY} lines`, {
      timeout: 30_000,
    });
    await expect(page.getByTestId('log-earlier')).toContainText('the download has every line');

    // Following the tail: the page holds the newest 200 lines only, however long the log.
    const log = page.getByRole('log');
    await expect(page.getByTestId('log-line')).toHaveCount(WINDOW);
    expect(await messages(log)).toEqual(held.slice(-WINDOW));

    // Scrolled to the top: the oldest line held, and a way back to the newest.
    await scrollLogTo(page, 0);
    await expect.poll(async () => (await messages(log))[0]).toBe(held[0]);
    await expect(page.getByTestId('log-line')).toHaveCount(WINDOW);
    await expect(page.getByTestId('jump-to-latest')).toBeVisible();
    // In the middle: the lines there, still only a window of them in the page.
    await scrollLogTo(page, 50_000 * ROW_PX);
    await expect.poll(async () => (await messages(log)).includes(held[50_000])).toBe(true);
    const middle = await messages(log);
    expect(middle).toHaveLength(WINDOW);
    expect(held.indexOf(middle[0]) + WINDOW - 1).toBe(held.indexOf(middle[WINDOW - 1]));

    // Filtered by text: every held line that contains it, and only those.
    await page.getByTestId('log-filter').fill('LINE 4242');
    const matching = held.filter((message) => message.includes('line 4242'));
    expect(matching).toEqual(['line 4242', ...Array.from({ length: 10 }, (_, n) => `line ${42420 + n}`)]);
    await expect(page.getByTestId('log-count')).toHaveText(`${matching.length} of ${CAPACITY} lines`);
    expect(await messages(log)).toEqual(matching);
    // And by level: the warning the step wrote on stderr.
    await page.getByTestId('log-filter').fill('');
    await page.locator('mat-button-toggle[data-filter="warn"] button').click();
    const warnings = stored
      .slice(-CAPACITY)
      .filter((line) => line.level === 'warn' || line.level === 'error');
    await expect(page.getByTestId('log-count')).toHaveText(`${warnings.length} of ${CAPACITY} lines`);
    expect(await messages(log)).toContain('disk almost full');
    await page.locator('mat-button-toggle[data-filter="all"] button').click();

    // The download has every stored line, the ones the view let go of too.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('log-download').click(),
    ]);
    expect(download.suggestedFilename()).toBe(`${created.id}.log`);
    const file = readFileSync((await download.path()) as string, 'utf8').split('\n');
    expect(file.pop()).toBe('');
    expect(file).toHaveLength(stored.length);
    // `<time> <LEVEL> [<agent>] <message>` (docs/workflows.md).
    expect(file).toEqual(
      stored.map(
        (line) =>
          `${line.timestamp} ${line.level.toUpperCase().padEnd(5)}${line.agentName ? ` [${line.agentName}]` : ''} ${line.message}`,
      ),
    );
  });

  test('reads a finished log back a page at a time as the reader scrolls up, keeping their place', async ({
    page,
  }) => {
    server = await deploy();
    const created = await server.api.create(
      {
        name: 'read it back',
        maxIterations: 1,
        agents: [
          {
            name: 'flood',
            role: 'printer',
            prompt: 'print',
            runner: { type: 'shell', command: 'sh', args: ['-c', "seq -f 'line %g' 1 5000"] },
          },
        ],
      },
      true,
    );
    await server.api.waitForEnd(created.id);
    const stored = (await storedLines(server.api, created.id)).map((line) => line.message);
    await signIn(page, server);
    await page.goto(`${server.url}/workflows/${created.id}`);
    await expect(page.getByTestId('connection-state')).toHaveText('ended');

    // The snapshot's newest 50 lines, read back with up to 1,000 before them: the newest lines, in order.
    const count = page.getByTestId('log-count');
    await expect(count).not.toHaveText(/^\s*(0|50) of/);
    const first = Number((await count.textContent())?.trim().split(' ')[0]);
    expect(first).toBeLessThanOrEqual(1_000 + 500);
    const log = page.getByRole('log');
    expect(await messages(log)).toEqual(stored.slice(-Math.min(first, WINDOW)));

    // Near the top, the page before is read and put in front; the line that was at the top stays in view.
    const top = stored[stored.length - first];
    await scrollLogTo(page, 0);
    await expect(count).not.toHaveText(`${first} of ${first} lines`);
    await expect(log.getByTestId('log-line').filter({ hasText: new RegExp(`${top}$`) })).toBeInViewport();
    expect(await log.evaluate((element) => element.scrollTop)).toBeGreaterThan(0);

    // Up and up to the first line of the workflow.
    const all = `${stored.length} of ${stored.length} lines`;
    // Each visit to the top reads the page before: wait for it to arrive, then go up again.
    for (
      let text = (await count.textContent())?.trim();
      text !== all;
      text = (await count.textContent())?.trim()
    ) {
      await scrollLogTo(page, 0);
      await expect(count).not.toHaveText(text ?? '');
    }
    await scrollLogTo(page, 0);
    await expect.poll(async () => (await messages(log)).slice(0, 3)).toEqual(stored.slice(0, 3));
    await expect(page.getByTestId('log-earlier')).toHaveText('');
  });
});
