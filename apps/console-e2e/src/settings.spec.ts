// The callbacks given to page.evaluate run in the browser: they need the DOM's types.
/// <reference lib="dom" />
import { expect, type Page, test } from '@playwright/test';
import type {
  ApiTokenListResponse,
  UserListResponse,
  UserView,
  WorkflowListResponse,
} from '@flowcast/shared-contract';
import { ApiClient, simulatedAgent, type SseReader } from '@flowcast/testing-e2e';
import { deploy, type Deployment, signIn } from './support/deployment';

const MEMBER = { username: 'e2e-member', password: 'member-password-1' };

/** Resolves with how long the stream took to end, or rejects after `timeoutMs`. */
async function endOf(stream: SseReader, timeoutMs: number): Promise<number> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    stream.done,
    new Promise((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`the stream was still open after ${timeoutMs} ms`)),
        timeoutMs,
      );
    }),
  ]).finally(() => clearTimeout(timer));
  return Date.now() - started;
}

/**
 * The settings page fits a phone: nothing in it reaches past the viewport, so it never scrolls sideways;
 * a table may be wider, inside its own scrolling box (`.scroll`). The toolbar above it is the app shell's.
 */
async function expectFitsWidth(page: Page): Promise<void> {
  const outside = await page.evaluate(() =>
    Array.from(document.querySelectorAll('main *'))
      .filter((each) => !each.parentElement?.closest('.scroll'))
      .filter((each) => each.getBoundingClientRect().right > window.innerWidth + 0.5)
      .map((each) => `${each.tagName.toLowerCase()}.${each.className}`),
  );
  expect(outside).toEqual([]);
}

test.describe('settings', () => {
  let server: Deployment | undefined;

  test.afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  test('a token created in the browser serves a script, its stream included, until revoked there', async ({
    page,
    context,
  }) => {
    server = await deploy();
    const deployment = server;
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: deployment.url });
    const watched = await deployment.api.create(
      {
        name: 'watched by a script',
        agents: [simulatedAgent('worker', { durationMs: 60_000, progressMessages: 600, cost: 1 })],
      },
      true,
    );

    await signIn(page, deployment);
    await page.getByRole('link', { name: 'Settings' }).click();
    await expect(page).toHaveURL(/\/settings\/tokens$/);
    await page.getByTestId('create-token').click();
    await expect(page.getByText('Give the token a name.')).toBeVisible();
    await page.getByTestId('token-name-input').fill('e2e script');
    await page.getByTestId('create-token').click();

    const shown = page.getByTestId('new-token-value');
    await expect(shown).toHaveText(/^\s*fct_[0-9a-f]{16}\.[A-Za-z0-9_-]{43}\s*$/);
    const token = ((await shown.textContent()) ?? '').trim();
    await expect(page.getByText('you will not see it again')).toBeVisible();
    await page.getByTestId('copy-token').click();
    await expect(page.getByText('Copied.')).toBeVisible();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(token);
    const row = page.getByTestId('token-row').filter({ hasText: 'e2e script' });
    await expect(row).toContainText('never');

    // Shown once: gone when hidden, and nowhere on the page after a reload.
    await page.getByTestId('dismiss-token').click();
    await expect(shown).toHaveCount(0);
    await page.reload();
    await expect(row).toBeVisible();
    expect(await page.content()).not.toContain(token.split('.')[1]);

    // A script (Node's fetch and a raw HTTP stream) with the token, as with curl.
    const script = new ApiClient(deployment.url, token);
    const list = await script.request<WorkflowListResponse>('GET', '/api/workflows');
    expect(list.status).toBe(200);
    expect(list.body.items.map((workflow) => workflow.id)).toContain(watched.id);
    const stream = script.stream(`/api/workflows/${watched.id}/stream`);
    try {
      await stream.waitFor((reader) => reader.events.some((event) => event.event === 'workflow:state'));
      expect(stream.status).toBe(200);
      // Live: events keep coming after the snapshot.
      const snapshotEnd = stream.events.length;
      await stream.waitFor((reader) => reader.events.length > snapshotEnd + 1);

      await page.reload();
      await expect(row).not.toContainText('never');
      await row.getByTestId('revoke-token').click();
      await expect(row).toContainText('Revoke “e2e script”?');
      await row.getByTestId('confirm-revoke').click();
      await expect(row).toHaveCount(0);

      // The server ends the streams a revoked token opened (CONTRACT §4: within 5 s).
      expect(await endOf(stream, 8_000)).toBeLessThan(6_000);
      expect(stream.ended).toBe(true);
    } finally {
      stream.close();
    }
    expect((await script.request('GET', '/api/workflows')).status).toBe(401);
    const tokens = await deployment.api.request<ApiTokenListResponse>('GET', '/api/auth/tokens');
    expect(tokens.body.items.map((each) => each.name)).not.toContain('e2e script');

    await page.setViewportSize({ width: 390, height: 844 });
    await expectFitsWidth(page);
  });

  test('an admin creates a member, makes them admin and back, and removes them; a member sees no Users', async ({
    page,
    browser,
  }) => {
    server = await deploy();
    const deployment = server;
    const users = async (): Promise<Pick<UserView, 'username' | 'role'>[]> =>
      (await deployment.api.request<UserListResponse>('GET', '/api/users')).body.items.map(
        ({ username, role }) => ({ username, role }),
      );

    await signIn(page, deployment);
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('tab', { name: 'Users' }).click();
    await expect(page).toHaveURL(/\/settings\/users$/);
    // One's own row cannot be changed (the API refuses it too).
    const me = page.getByTestId('user-row').filter({ hasText: 'admin (you)' });
    await expect(me.getByTestId('remove-user')).toBeDisabled();

    await page.getByLabel('Username').fill(MEMBER.username);
    await page.getByLabel('Password').fill('short');
    await page.getByTestId('create-user').click();
    await expect(page.getByText('At least 8 characters.')).toBeVisible();
    await page.getByLabel('Password').fill(MEMBER.password);
    await page.getByTestId('create-user').click();
    const row = page.getByTestId('user-row').filter({ hasText: MEMBER.username });
    await expect(row).toHaveCount(1);
    expect(await users()).toContainEqual({ username: MEMBER.username, role: 'member' });

    // The server's refusal is shown with its message.
    await page.getByLabel('Username').fill(MEMBER.username);
    await page.getByLabel('Password').fill(MEMBER.password);
    await page.getByTestId('create-user').click();
    await expect(page.getByRole('alert')).toHaveText(`User ${MEMBER.username} already exists`);

    for (const role of ['admin', 'member'] as const) {
      await row.getByTestId('user-role-select').click();
      await page.getByRole('option', { name: role }).click();
      await expect(row.getByTestId('user-role-select')).toHaveText(role);
      await expect.poll(users).toContainEqual({ username: MEMBER.username, role });
    }

    await page.setViewportSize({ width: 390, height: 844 });
    await expectFitsWidth(page);

    // The member, in a browser of their own: no Users tab, and the page itself sends them away.
    const memberContext = await browser.newContext();
    try {
      const memberPage = await memberContext.newPage();
      await memberPage.goto(`${deployment.url}/settings/users`);
      await expect(memberPage).toHaveURL(/\/login\?returnUrl=%2Fsettings%2Fusers/);
      await memberPage.getByLabel('Username').fill(MEMBER.username);
      await memberPage.getByLabel('Password').fill(MEMBER.password);
      await memberPage.getByRole('button', { name: 'Sign in' }).click();
      await expect(memberPage).toHaveURL(/\/settings\/tokens$/);
      await expect(memberPage.getByTestId('current-user')).toHaveText(`${MEMBER.username} · member`);
      await expect(memberPage.getByRole('tab', { name: 'API tokens' })).toBeVisible();
      await expect(memberPage.getByRole('tab', { name: 'Users' })).toHaveCount(0);
    } finally {
      await memberContext.close();
    }

    await row.getByTestId('remove-user').click();
    await row.getByTestId('confirm-remove').click();
    await expect(row).toHaveCount(0);
    expect((await users()).map((user) => user.username)).not.toContain(MEMBER.username);
  });
});
