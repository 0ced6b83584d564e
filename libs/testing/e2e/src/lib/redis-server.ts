import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { delay, freePort } from './ports';
import { spawnCaptured } from './processes';

const REDIS_SERVER = 'redis-server';
const START_TIMEOUT_MS = 10_000;
/** How long a start on a fixed port (restart) keeps retrying a port that is still taken. */
const BIND_RETRY_MS = 5_000;

export interface RunningRedis {
  /** `redis://127.0.0.1:PORT`: stays valid across restart(). */
  readonly url: string;
  readonly port: number;
  /** The current server process (a new one after restart()). */
  readonly process: ChildProcess;
  /** What the current server printed (its log goes to stdout). */
  output(): string;
  /** SIGKILL (a crash) and wait for the exit. */
  kill(): Promise<void>;
  /** SIGTERM and wait for the exit; also removes the server's directory. */
  stop(): Promise<void>;
  /** Kills the server if it still runs, then starts a new, empty one on the same port. */
  restart(): Promise<void>;
}

interface RedisProcess {
  child: ChildProcess;
  exited: Promise<void>;
  output: () => string;
}

/**
 * Starts a private redis-server on 127.0.0.1 (no persistence, its own directory, not daemonized, so the
 * child is the server and is stopped by its own pid) and resolves once it answers PING.
 */
export async function startRedis(options: { port?: number } = {}): Promise<RunningRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'flowcast-redis-'));
  let port = options.port ?? 0;
  let current: RedisProcess;
  try {
    for (let attempt = 0; ; attempt++) {
      const candidate = port || (await freePort());
      try {
        current = await launch(candidate, dir, options.port !== undefined);
        port = candidate;
        break;
      } catch (error) {
        // A port picked here may be taken between the probe and the bind: pick another.
        if (options.port !== undefined || attempt >= 4 || !(error instanceof PortTakenError)) throw error;
      }
    }
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }

  const signal = async (name: NodeJS.Signals) => {
    const { child, exited } = current;
    if (child.exitCode === null && child.signalCode === null) child.kill(name);
    await exited;
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    get process() {
      return current.child;
    },
    output: () => current.output(),
    kill: () => signal('SIGKILL'),
    stop: async () => {
      await signal('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
    restart: async () => {
      await signal('SIGKILL');
      current = await launch(port, dir, true);
    },
  };
}

class PortTakenError extends Error {}

async function launch(port: number, dir: string, retryBind: boolean): Promise<RedisProcess> {
  mkdirSync(dir, { recursive: true });
  const deadline = Date.now() + BIND_RETRY_MS;
  for (;;) {
    try {
      return await launchOnce(port, dir);
    } catch (error) {
      // Redis binds with SO_REUSEADDR, so TIME_WAIT alone does not block it; a server that is still
      // exiting (or someone else) may hold the port for a moment.
      if (!retryBind || !(error instanceof PortTakenError) || Date.now() > deadline) throw error;
      await delay(100);
    }
  }
}

async function launchOnce(port: number, dir: string): Promise<RedisProcess> {
  // prettier-ignore
  const args = [
    '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir,
    '--daemonize', 'no', '--logfile', '',
  ];
  const { child, output: printed, running, exited } = spawnCaptured(REDIS_SERVER, args);
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    // Our child said it listens (not another server on that port) and the port answers.
    if (running() && /Ready to accept connections/.test(printed()) && (await ping(port)) && running()) {
      return { child, exited, output: printed };
    }
    if (!running()) break;
    await delay(25);
  }
  if (running()) {
    child.kill('SIGKILL');
    await exited;
    throw new Error(
      `redis-server on port ${port} did not answer PING in ${START_TIMEOUT_MS} ms:\n${printed()}`,
    );
  }
  await exited;
  const output = printed();
  if (/address already in use/i.test(output)) throw new PortTakenError(`port ${port} is taken:\n${output}`);
  throw new Error(`redis-server on port ${port} exited before answering PING:\n${output}`);
}

/** A raw RESP `PING` (no client library): true when the server answers `+PONG`. */
function ping(port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolvePing) => {
    const socket = connect({ port, host: '127.0.0.1' });
    let reply = '';
    const done = (result: boolean) => {
      socket.destroy();
      resolvePing(result);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}
