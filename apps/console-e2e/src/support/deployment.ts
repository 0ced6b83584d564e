import { join } from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import type { WorkflowLogsResponse } from '@flowcast/shared-contract';
import { ADMIN_PASSWORD, type ApiClient, removeDir, startCluster, startServer } from '@flowcast/testing-e2e';

export const DOCS = join(__dirname, '../../../../docs');

/**
 * Where the console is served from: one instance on SQLite (project `single`), or nginx in front of two
 * instances on PostgreSQL and Redis (project `cluster`, as docs/deployment.md sets it up). The same tests
 * run against both.
 */
export interface Deployment {
  url: string;
  api: ApiClient;
  /** Every instance dies at once (SIGKILL). */
  crash(): Promise<void>;
  /** Every instance starts again on its port and store. */
  recover(): Promise<void>;
  stop(): Promise<void>;
}

export async function deploy(env: Record<string, string> = {}): Promise<Deployment> {
  if (test.info().project.metadata['topology'] === 'cluster') {
    const cluster = await startCluster({ env });
    return {
      url: cluster.url,
      api: cluster.api,
      crash: async () => {
        for (const server of cluster.servers) await server.kill();
      },
      recover: async () => {
        for (let index = 0; index < cluster.servers.length; index++) await cluster.restart(index);
      },
      stop: () => cluster.stop(),
    };
  }
  let server = await startServer({ env });
  return {
    url: server.url,
    get api() {
      return server.api;
    },
    crash: async () => void (await server.kill()),
    recover: async () => {
      server = await startServer({ dataDir: server.dataDir, port: server.port, env });
    },
    stop: async () => {
      await server.stop();
      removeDir(server.dataDir);
    },
  };
}

/**
 * The README's screenshots, from the single-instance run only: `<name>.png` in the light colour scheme and
 * `<name>-dark.png` in the dark one, of the same moment (the page follows the scheme with no reload).
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (test.info().project.metadata['topology'] === 'cluster') return;
  await page.emulateMedia({ colorScheme: 'light' });
  await page.screenshot({ path: join(DOCS, `${name}.png`), fullPage: true });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: join(DOCS, `${name}-dark.png`), fullPage: true });
  await page.emulateMedia({ colorScheme: null });
}

export async function signIn(page: Page, server: Deployment): Promise<void> {
  await page.goto(`${server.url}/workflows`);
  // Not signed in: the guard sends the browser to the login form, keeping where it wanted to go.
  await expect(page).toHaveURL(/\/login\?returnUrl=%2Fworkflows/);
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/workflows$/);
}

export async function allLogMessages(api: ApiClient, id: string): Promise<string[]> {
  const messages: string[] = [];
  let after = 0;
  for (;;) {
    const page = (
      await api.request<WorkflowLogsResponse>('GET', `/api/workflows/${id}/logs?after=${after}&limit=1000`)
    ).body.items;
    if (page.length === 0) return messages;
    messages.push(...page.map((line) => line.message));
    after = page[page.length - 1].id;
  }
}
