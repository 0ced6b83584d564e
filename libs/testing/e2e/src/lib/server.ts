import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ApiClient } from './api-client';
import { SseReader } from './sse-reader';

/** The first admin's password in every e2e server (the store is new, so `admin` is created with it). */
export const ADMIN_PASSWORD = 'e2e-admin-password';

const MAIN = resolve(__dirname, '../../../../../dist/apps/api/main.js');

export interface RunningServer {
  url: string;
  port: number;
  process: ChildProcess;
  dataDir: string;
  /** Everything the server printed (stdout and stderr). */
  output(): string;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
  /** SIGTERM and wait for exit. */
  stop(): Promise<number | null>;
  /** SIGKILL (a crash) and wait for exit. */
  kill(): Promise<number | null>;
  /** A REST client authenticated as the admin with a bearer token. */
  api: ApiClient;
  /** Opens a stream (path under the server) as the admin, with extra headers. */
  stream(path: string, headers?: Record<string, string>): SseReader;
}

export interface ServerOptions {
  env?: Record<string, string>;
  /** Reuse a store directory (for restarts); a fresh temporary one otherwise. */
  dataDir?: string;
  port?: number;
}

/** Boots the built API (dist/apps/api/main.js) on a free port against its own SQLite file. */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: build the api first (nx run api:build)`);
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'flowcast-e2e-'));
  const child = spawn(process.execPath, [MAIN], {
    env: {
      PATH: process.env['PATH'] ?? '',
      PORT: String(options.port ?? 0),
      HOST: '127.0.0.1',
      DATABASE_URL: `sqlite:${join(dataDir, 'flowcast.db')}`,
      DEMO: 'false',
      LOG_LEVEL: 'info',
      ADMIN_PASSWORD,
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));

  const port = await new Promise<number>((resolvePort, reject) => {
    const onData = () => {
      const match = /listening on http:\/\/localhost:(\d+)/.exec(output);
      if (match) {
        cleanup();
        resolvePort(Number(match[1]));
      }
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`server exited with ${code} before listening:\n${output}`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`server did not start in 20 s:\n${output}`));
    }, 20_000);
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
    };
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  });

  const signal = async (name: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(name);
    return exited;
  };
  const url = `http://127.0.0.1:${port}`;
  let api: ApiClient;
  try {
    api = await ApiClient.asUser(url, 'admin', ADMIN_PASSWORD);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    url,
    api,
    stream: (path, headers = {}) => new SseReader(`${url}${path}`, { ...api.authHeaders, ...headers }),
    port,
    process: child,
    dataDir,
    output: () => output,
    exited,
    stop: () => signal('SIGTERM'),
    kill: () => signal('SIGKILL'),
  };
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
