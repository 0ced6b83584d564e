// The callbacks given to page.evaluate run in the browser: they need the DOM's types.
/// <reference lib="dom" />
import AxeBuilder from '@axe-core/playwright';
import { expect, type Locator, type Page, test } from '@playwright/test';
import type { CreateUserRequest, WorkflowDefinition } from '@flowcast/shared-contract';
import { ADMIN_PASSWORD, simulatedAgent } from '@flowcast/testing-e2e';
import { deploy, type Deployment, signIn } from './support/deployment';

/** Still running while every page is scanned: its detail page has log lines and charts that move. */
const RUNNING: WorkflowDefinition = {
  name: 'running for the scan',
  budgetLimit: 2,
  agents: [
    simulatedAgent('plan', { durationMs: 1_000, cost: 0.5, progressMessages: 5 }),
    simulatedAgent('build', { durationMs: 600_000, cost: 1, progressMessages: 6_000 }),
  ],
};
/** Finished, failed: the error, a failed bar and the 'ended' state are on its page. */
const FINISHED: WorkflowDefinition = {
  name: 'finished for the scan',
  budgetLimit: 1,
  agents: [
    simulatedAgent('plan', { durationMs: 200, cost: 0.3, progressMessages: 3 }),
    simulatedAgent('check', { durationMs: 200, cost: 0.2, progressMessages: 3, fail: true }),
  ],
};
const MEMBER: CreateUserRequest = { username: 'a11y-member', password: 'member-password-1', role: 'member' };

interface Fixture {
  server: Deployment;
  running: string;
  finished: string;
}

/** A page to scan: how to open it and what says it is ready. */
interface ScannedPage {
  name: string;
  /** Opens the page (signed in as the admin unless it is the sign-in page) and waits until it is drawn. */
  open(page: Page, fixture: Fixture): Promise<void>;
}

/** Every page of the console. A page added to the console is scanned by adding it here. */
const PAGES: ScannedPage[] = [
  {
    name: 'sign in',
    open: async (page, { server }) => {
      await page.context().clearCookies();
      await page.goto(`${server.url}/login`);
      await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
    },
  },
  {
    name: 'workflows',
    open: async (page, { server }) => {
      await page.goto(`${server.url}/workflows`);
      await expect(page.getByTestId('connection-state')).toHaveText('live');
      await expect(page.getByTestId('workflow-row')).toHaveCount(3);
    },
  },
  {
    name: 'new workflow',
    open: async (page, { server }) => {
      await page.goto(`${server.url}/workflows/new`);
      await page.getByTestId('template-demo').click();
      await expect(page.getByTestId('create-workflow')).toBeEnabled();
    },
  },
  {
    name: 'a running workflow',
    open: async (page, { server, running }) => {
      await page.goto(`${server.url}/workflows/${running}`);
      await expect(page.getByTestId('connection-state')).toHaveText('live');
      await expect(page.getByTestId('workflow-status')).toHaveText('running');
      await expect(page.getByTestId('timeline-bar')).toHaveCount(2);
      await expect(page.getByTestId('log-line').first()).toBeVisible();
    },
  },
  {
    name: 'a finished workflow',
    open: async (page, { server, finished }) => {
      await page.goto(`${server.url}/workflows/${finished}`);
      await expect(page.getByTestId('connection-state')).toHaveText('ended');
      await expect(page.getByTestId('workflow-error')).toBeVisible();
      await expect(page.getByTestId('timeline-bar')).toHaveCount(2);
    },
  },
  {
    name: 'API tokens, one just created',
    open: async (page, { server }) => {
      await page.goto(`${server.url}/settings/tokens`);
      await page.getByTestId('token-name-input').fill(`scanned ${Date.now()}`);
      await page.getByTestId('create-token').click();
      await expect(page.getByTestId('new-token-value')).toBeVisible();
    },
  },
  {
    name: 'users',
    open: async (page, { server }) => {
      await page.goto(`${server.url}/settings/users`);
      await expect(page.getByTestId('user-row')).toHaveCount(2);
    },
  },
];

const SCHEMES = ['light', 'dark'] as const;
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };

/** The serious and critical WCAG 2.1 A/AA violations on the page, one readable line per node. */
async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  return results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .flatMap((violation) =>
      violation.nodes.map(
        (node) =>
          `${violation.id} (${violation.impact}): ${violation.help}\n` +
          `    at ${node.target.join(' ')}\n    ${node.failureSummary?.replace(/\n/g, '\n    ') ?? ''}`,
      ),
    );
}

/** Whether the page scrolls sideways, naming the outermost elements that reach past the viewport. */
async function sidewaysScroll(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const width = document.documentElement.scrollWidth;
    if (width <= window.innerWidth) return [];
    const past = (element: Element | null) =>
      element !== null && element.getBoundingClientRect().right > window.innerWidth + 0.5;
    const culprits = Array.from(document.body.querySelectorAll('*'))
      .filter((element) => past(element) && !past(element.parentElement))
      .map((element) => `${element.tagName.toLowerCase()}.${Array.from(element.classList).join('.')}`);
    return [`the page is ${width} px wide: ${culprits.join(', ')}`];
  });
}

/**
 * Whether the focused element shows it: keyboard focus (`:focus-visible`) drawn as an outline of its own,
 * as Material's strong focus indicator (a `::before` border on it or on its indicator child), or as the focused form field's outline.
 */
function showsFocus(element: Element): boolean {
  if (!element.matches(':focus-visible')) return false;
  const own = getComputedStyle(element);
  if (own.outlineStyle !== 'none' && parseFloat(own.outlineWidth) > 0) return true;
  const indicator = element.querySelector(':scope > .mat-focus-indicator') ?? element;
  const before = getComputedStyle(indicator, '::before');
  if (before.content !== 'none' && parseFloat(before.borderTopWidth) > 0) return true;
  return element.closest('.mat-mdc-form-field')?.classList.contains('mat-focused') ?? false;
}

/** Presses Tab until `target` has the focus (at most `limit` times), as a keyboard-only user would. */
async function tabTo(page: Page, target: Locator, limit = 40): Promise<void> {
  for (let presses = 0; presses < limit; presses++) {
    await page.keyboard.press('Tab');
    if (await target.evaluate((element) => element === document.activeElement)) {
      expect(await target.evaluate(showsFocus), `${target} shows that it has the focus`).toBe(true);
      return;
    }
  }
  throw new Error(`${target} was not reached with ${limit} presses of Tab`);
}

test.describe('accessibility', () => {
  // The pages are the same bytes whichever deployment serves them: scanned once, on one instance (the
  // cluster run would only double the slowest spec of the suite).
  test.beforeEach(() =>
    test.skip(test.info().project.metadata['topology'] === 'cluster', 'the same pages as the single run'),
  );
  let server: Deployment | undefined;

  test.afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  test('every page, light and dark, on a desktop and a 390 px phone: no serious axe violation, no sideways scroll', async ({
    page,
  }) => {
    test.setTimeout(300_000);
    server = await deploy();
    const running = await server.api.create(RUNNING, true);
    const finished = await server.api.create(FINISHED, true);
    await server.api.waitForEnd(finished.id);
    const done = await server.api.create(
      { name: 'completed for the scan', agents: [simulatedAgent('quick', { cost: 0.1 })] },
      true,
    );
    await server.api.waitForEnd(done.id);
    expect((await server.api.request('POST', '/api/users', MEMBER)).status).toBe(201);
    const fixture: Fixture = { server, running: running.id, finished: finished.id };

    const found: string[] = [];
    for (const scanned of PAGES) {
      for (const colorScheme of SCHEMES) {
        for (const viewport of [DESKTOP, PHONE]) {
          const where = `${scanned.name}, ${colorScheme}, ${viewport.width} px`;
          await page.setViewportSize(viewport);
          await page.emulateMedia({ colorScheme });
          // The sign-in page signs the browser out; the next page signs in again.
          if (scanned.name !== 'sign in' && page.url().includes('/login')) await signIn(page, server);
          await test.step(where, () => scanned.open(page, fixture));
          found.push(...(await seriousViolations(page)).map((violation) => `${where}: ${violation}`));
          found.push(...(await sidewaysScroll(page)).map((problem) => `${where}: ${problem}`));
        }
      }
    }
    expect(found, found.join('\n')).toEqual([]);
  });

  test('by keyboard only: signs in, creates the demo from the form, reaches cancel and run again', async ({
    page,
  }) => {
    server = await deploy();
    await page.goto(`${server.url}/workflows`);
    await expect(page).toHaveURL(/\/login\?returnUrl=%2Fworkflows/);

    // The first Tab shows the skip link, which moves the focus past the toolbar.
    await page.keyboard.press('Tab');
    const skip = page.getByRole('link', { name: 'Skip to content' });
    await expect(skip).toBeFocused();
    await expect(skip).toBeInViewport();
    await page.keyboard.press('Enter');
    await expect(page.locator('main')).toBeFocused();

    await tabTo(page, page.getByLabel('Username'));
    await page.keyboard.type('admin');
    await tabTo(page, page.getByLabel('Password'));
    await page.keyboard.type(ADMIN_PASSWORD);
    await page.keyboard.press('Enter');
    await expect(page).toHaveURL(/\/workflows$/);

    await tabTo(page, page.getByRole('navigation').getByRole('link', { name: 'New workflow' }));
    await page.keyboard.press('Enter');
    await expect(page).toHaveURL(/\/workflows\/new$/);
    await tabTo(page, page.getByTestId('template-demo'));
    await page.keyboard.press('Enter');
    await tabTo(page, page.getByTestId('create-workflow'), 80);
    await page.keyboard.press('Enter');
    await expect(page).toHaveURL(/\/workflows\/wf_[A-Za-z0-9_-]{16}$/);
    await expect(page.getByTestId('workflow-status')).toHaveText('running');
    await tabTo(page, page.getByTestId('cancel-button'));

    // Once it has finished (its cancel button gone with the focus), Tab reaches Run again.
    await expect(page.getByTestId('workflow-status')).toHaveText('completed', { timeout: 60_000 });
    await tabTo(page, page.getByTestId('rerun-button'));

    // The log list takes the focus and scrolls with the arrow keys (a log longer than its box).
    const talkative = await server.api.create(
      { name: 'a long log', agents: [simulatedAgent('talker', { durationMs: 500, progressMessages: 100 })] },
      true,
    );
    await server.api.waitForEnd(talkative.id);
    await page.goto(`${server.url}/workflows/${talkative.id}`);
    await expect(page.getByTestId('connection-state')).toHaveText('ended');
    const log = page.getByRole('log');
    await expect(page.getByTestId('log-line').first()).toBeVisible();
    expect(await log.evaluate((element) => element.scrollHeight > element.clientHeight)).toBe(true);
    await tabTo(page, log);
    await page.keyboard.press('Home');
    await expect.poll(() => log.evaluate((element) => element.scrollTop)).toBe(0);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => log.evaluate((element) => element.scrollTop)).toBeGreaterThan(0);
  });
});
