import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type {
  WorkflowDefinition,
  WorkflowListResponse,
  WorkflowLogItem,
  WorkflowLogsResponse,
} from '@flowcast/shared-contract';
import {
  ADMIN_PASSWORD,
  ApiClient,
  removeDir,
  RunningServer,
  simulatedAgent,
  startServer,
} from '@flowcast/testing-e2e';

/** The built CLI (nx run cli:build), run as a user would: a child process with its own environment. */
const CLI = resolve(__dirname, '../../../dist/apps/cli/main.js');

interface CliRun {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** The exit code, once the process has ended. */
  exited: Promise<number | null>;
}

function startCli(args: string[], env: Record<string, string>, input?: string): CliRun {
  // Only what the CLI needs: no FLOWCAST_* or config of the machine running the tests leaks in.
  const child = spawn(process.execPath, [CLI, ...args], {
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: tmpdir(),
      XDG_CONFIG_HOME: join(tmpdir(), 'flowcast-cli-none'),
      ...env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin?.end(input);
  const exited = new Promise<number | null>((resolveExit) =>
    child.once('close', (code) => resolveExit(code)),
  );
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

async function cli(args: string[], env: Record<string, string>, input?: string) {
  const run = startCli(args, env, input);
  const code = await run.exited;
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

async function waitFor(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolveWait) => setTimeout(resolveWait, 50));
  }
}

/** A port nothing listens on. */
function closedPort(): Promise<number> {
  return new Promise((resolvePort) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolvePort(port));
    });
  });
}

function tokenOf(api: ApiClient): string {
  return api.authHeaders['Authorization'].slice('Bearer '.length);
}

async function allLogLines(api: ApiClient, id: string): Promise<WorkflowLogItem[]> {
  const lines: WorkflowLogItem[] = [];
  for (;;) {
    const after = lines.length ? lines[lines.length - 1].id : 0;
    const page = await api.request<WorkflowLogsResponse>(
      'GET',
      `/api/workflows/${id}/logs?after=${after}&limit=1000`,
    );
    if (page.body.items.length === 0) return lines;
    lines.push(...page.body.items);
  }
}

/** The stored lines as the CLI prints them (the log download's format). */
function printed(item: WorkflowLogItem): string {
  const agent = item.agentName === undefined ? '' : ` [${item.agentName}]`;
  return `${item.timestamp} ${item.level.toUpperCase().padEnd(5)}${agent} ${item.message}`;
}

/** The log lines of an output: every line that starts with a time stamp. */
function logLinesOf(stdout: string): string[] {
  return stdout.split('\n').filter((line) => /^\d{4}-\d\d-\d\dT/.test(line));
}

const definition = (
  name: string,
  agents = [simulatedAgent('dev', { durationMs: 300, cost: 1, progressMessages: 3 })],
) => ({ name, budgetLimit: 5, maxIterations: 1, agents }) satisfies WorkflowDefinition;

describe('the flowcast CLI', () => {
  let server: RunningServer;
  let api: ApiClient;
  let env: Record<string, string>;
  let dir: string;

  beforeAll(async () => {
    server = await startServer({ env: { SSE_CLOSE_GRACE_MS: '100' } });
    api = server.api;
    env = { FLOWCAST_SERVER: server.url, FLOWCAST_TOKEN: tokenOf(api) };
    dir = mkdtempSync(join(tmpdir(), 'flowcast-cli-e2e-'));
  });
  afterAll(async () => {
    await server.stop();
    removeDir(server.dataDir);
    removeDir(dir);
  });

  describe('exit codes', () => {
    it('run --watch: prints every log line once, in order, and exits 0 when the workflow completes', async () => {
      const file = join(dir, 'two-agents.json');
      writeFileSync(
        file,
        JSON.stringify(
          definition('two agents', [
            simulatedAgent('dev', { durationMs: 400, cost: 1, progressMessages: 4 }),
            simulatedAgent('reviewer', { durationMs: 200, cost: 0.5, progressMessages: 2 }),
          ]),
        ),
      );
      const result = await cli(['run', file, '--watch'], env);
      expect(result.code).toBe(0);
      const id = /started (wf_\S+)/.exec(result.stderr)?.[1] ?? '';
      expect((await api.get(id)).status).toBe('completed');
      expect(logLinesOf(result.stdout)).toEqual((await allLogLines(api, id)).map(printed));
      expect(result.stdout).toContain('== completed');
      // stdout is a pipe here: plain lines, no bars and no escape codes.
      expect(result.stdout).not.toContain('\u001b[');
    });

    it('watch: exits 1 when the workflow fails', async () => {
      const workflow = await api.create(
        definition('fails', [simulatedAgent('dev', { durationMs: 200, fail: true })]),
        true,
      );
      const result = await cli(['watch', workflow.id], env);
      expect(result).toMatchObject({ code: 1 });
      expect(result.stdout).toContain('== failed');
    });

    it('watch: exits 2 when the workflow is cancelled while it is watched', async () => {
      const workflow = await api.create(
        definition('cancelled', [simulatedAgent('dev', { durationMs: 20_000, progressMessages: 40 })]),
        true,
      );
      const watch = startCli(['watch', workflow.id], env);
      await waitFor(() => logLinesOf(watch.stdout()).length > 0, 'the first log line');
      expect((await api.request('POST', `/api/workflows/${workflow.id}/cancel`)).status).toBe(202);
      expect(await watch.exited).toBe(2);
      expect(watch.stdout()).toContain('== cancelled');
    });

    it('exits 3 on bad usage, with the reason', async () => {
      const unknown = await cli(['frobnicate'], env);
      expect(unknown).toMatchObject({ code: 3 });
      expect(unknown.stderr).toContain("unknown command 'frobnicate'");
      const badId = await cli(['watch', '123'], env);
      expect(badId).toMatchObject({ code: 3 });
      expect(badId.stderr).toContain('not a workflow id');
      expect((await cli(['watch'], env)).code).toBe(3);
    });

    it('exits 3 when the server cannot be reached after its retries', async () => {
      const port = await closedPort();
      const result = await cli(['watch', 'wf_AAAAAAAAAAAAAAAA', '--retries', '1'], {
        ...env,
        FLOWCAST_SERVER: `http://127.0.0.1:${port}`,
      });
      expect(result.code).toBe(3);
      expect(result.stderr).toContain(`cannot reach http://127.0.0.1:${port}: ECONNREFUSED`);
    });

    it('exits 3 when the token is refused, and on a workflow it cannot see', async () => {
      const refused = await cli(['ls'], { ...env, FLOWCAST_TOKEN: 'not-a-token' });
      expect(refused.code).toBe(3);
      expect(refused.stderr).toContain('401');
      const missing = await cli(['watch', 'wf_AAAAAAAAAAAAAAAA'], env);
      expect(missing.code).toBe(3);
      expect(missing.stderr).toContain('404');
    });
  });

  it('--json prints exactly the stored events, one a line', async () => {
    const workflow = await api.create(definition('json'), true);
    const result = await cli(['watch', workflow.id, '--json'], env);
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines.map((line) => JSON.parse(line))).toEqual(await api.allEvents(workflow.id));
  });

  it('login stores a token (mode 0600) that the other commands then use', async () => {
    const config = mkdtempSync(join(dir, 'config-'));
    const login = await cli(
      ['login', '--server', server.url, '--username', 'admin', '--password-stdin'],
      { XDG_CONFIG_HOME: config },
      `${ADMIN_PASSWORD}\n`,
    );
    expect(login).toMatchObject({ code: 0 });
    const path = join(config, 'flowcast', 'config.json');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(config, 'flowcast')).mode & 0o777).toBe(0o700);
    const stored = JSON.parse(readFileSync(path, 'utf8')) as { server: string; token: string };
    expect(stored.server).toBe(server.url);
    expect(readFileSync(path, 'utf8')).not.toContain(ADMIN_PASSWORD);
    const ls = await cli(['ls', '--json'], { XDG_CONFIG_HOME: config });
    expect(ls.code).toBe(0);
    expect(ls.stdout.length).toBeGreaterThan(0);

    const wrong = await cli(
      ['login', '--server', server.url, '--username', 'admin', '--password-stdin'],
      { XDG_CONFIG_HOME: config },
      'wrong-password\n',
    );
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toContain('401');
  });

  it("ls lists the caller's workflows, as a table and as JSON lines", async () => {
    const workflow = await api.create(definition('listed'));
    const table = await cli(['ls'], env);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^ID +NAME +STATUS +COST +CREATED$/);
    expect(table.stdout).toMatch(new RegExp(`${workflow.id} +listed +pending +\\$0\\.00`));
    const json = await cli(['ls', '--json'], env);
    const listed = (await api.request<WorkflowListResponse>('GET', '/api/workflows')).body.items;
    expect(
      json.stdout
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line)),
    ).toEqual(listed);
  });

  it('cancel cancels a running workflow', async () => {
    const workflow = await api.create(
      definition('to cancel', [simulatedAgent('dev', { durationMs: 20_000 })]),
      true,
    );
    const result = await cli(['cancel', workflow.id], env);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`${workflow.id}: cancel requested`);
    expect((await api.waitForEnd(workflow.id)).status).toBe('cancelled');
  });

  it('logs prints every stored line; logs --follow prints them as they come, until the end', async () => {
    const workflow = await api.create(
      definition('logs', [simulatedAgent('dev', { durationMs: 1_500, progressMessages: 10 })]),
      true,
    );
    const follow = await cli(['logs', workflow.id, '--follow'], env);
    expect(follow.code).toBe(0);
    const stored = (await allLogLines(api, workflow.id)).map(printed);
    expect(stored.length).toBeGreaterThan(10);
    expect(follow.stdout.trimEnd().split('\n')).toEqual(stored);
    const logs = await cli(['logs', workflow.id], env);
    expect(logs).toMatchObject({ code: 0, stdout: `${stored.join('\n')}\n` });
  });
});

describe('the flowcast CLI across a server restart', () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startServer({ env: { SSE_CLOSE_GRACE_MS: '100' } });
  });
  afterAll(async () => {
    await server.stop();
    removeDir(server.dataDir);
  });

  it('resumes after the server is killed and restarted mid-watch, repeats no line, and exits 1 (interrupted)', async () => {
    const env = { FLOWCAST_SERVER: server.url, FLOWCAST_TOKEN: tokenOf(server.api) };
    const workflow = await server.api.create(
      definition('restarted', [simulatedAgent('dev', { durationMs: 10_000, progressMessages: 40 })]),
      true,
    );
    const watch = startCli(['watch', workflow.id, '--retries', '8'], env);
    await waitFor(() => logLinesOf(watch.stdout()).length >= 5, 'five log lines');

    await server.kill();
    server = await startServer({
      dataDir: server.dataDir,
      port: server.port,
      env: { SSE_CLOSE_GRACE_MS: '100' },
    });

    expect(await watch.exited).toBe(1);
    expect(watch.stderr()).toContain('stream interrupted');
    const final = await server.api.get(workflow.id);
    expect(final).toMatchObject({ status: 'failed', error: 'interrupted' });
    const stored = (await allLogLines(server.api, workflow.id)).map(printed);
    expect(logLinesOf(watch.stdout())).toEqual(stored);
    expect(watch.stdout()).toContain('== failed');
  });
});
