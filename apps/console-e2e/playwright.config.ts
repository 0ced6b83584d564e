import { defineConfig } from '@playwright/test';

/**
 * Browser tests against the built console served by the built API (each test boots its own deployment).
 * Debian's Chromium, never a downloaded browser; no retries: a flaky test is a defect to fix, not to hide.
 */
export default defineConfig({
  testDir: './src',
  outputDir: '../../dist/.playwright/console-e2e',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 120_000,
  expect: { timeout: 30_000 },
  reporter: [['list']],
  use: {
    headless: true,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  // The same tests against one instance on SQLite, and against nginx in front of two on PostgreSQL + Redis.
  projects: [
    {
      name: 'single',
      metadata: { topology: 'single' },
      use: { browserName: 'chromium', viewport: { width: 1280, height: 900 } },
    },
    {
      name: 'cluster',
      metadata: { topology: 'cluster' },
      use: { browserName: 'chromium', viewport: { width: 1280, height: 900 } },
    },
  ],
});
