import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { delay, freePort } from './ports';
import { type CapturedProcess, spawnCaptured } from './processes';

const START_TIMEOUT_MS = 20_000;

export interface RunningPostgres {
  /** `postgres://postgres@127.0.0.1:PORT/postgres`: stays valid across stop() and start(). */
  readonly url: string;
  readonly port: number;
  /** Whether the server process runs. */
  running(): boolean;
  /** What the current server printed. */
  output(): string;
  /** A fast shutdown (SIGINT to its pid: sessions are ended, nothing is lost) and wait for the exit. */
  stop(): Promise<void>;
  /** SIGKILL (a crash; recovery replays its WAL on the next start) and wait for the exit. */
  kill(): Promise<void>;
  /** Starts the server again on the same data directory and port; resolves once it takes connections. */
  start(): Promise<void>;
  /** Stops the server if it runs and removes its directory. */
  destroy(): Promise<void>;
}

/**
 * A private PostgreSQL server for tests that stop and start their store: a new cluster made by the installed
 * PostgreSQL's initdb (trust auth, no fsync: its data is thrown away) in a directory of its own, run as the
 * `postgres` user (PostgreSQL refuses to run as root) on 127.0.0.1 and a free port, as a child process
 * stopped by its own pid. The machine's shared server is never touched.
 */
export async function startPostgres(): Promise<RunningPostgres> {
  const bin = postgresBinDir();
  const { uid, gid } = postgresUser();
  const dir = mkdtempSync(join(tmpdir(), 'flowcast-postgres-'));
  chownSync(dir, uid, gid);
  const data = join(dir, 'data');
  const as = { uid, gid, env: { PATH: process.env['PATH'] ?? '', LANG: 'C.UTF-8' } };
  try {
    execFileSync(
      join(bin, 'initdb'),
      ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync', '--locale=C.UTF-8'],
      { ...as, stdio: 'pipe' },
    );
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`initdb failed: ${(error as Error).message}\n${stderr}`);
  }
  const port = await freePort();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let current: CapturedProcess | undefined;

  const launch = async () => {
    // prettier-ignore
    const args = [
      '-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off',
      '-c', 'full_page_writes=off', '-c', 'max_connections=50', '-c', 'shared_buffers=32MB',
    ];
    const started = spawnCaptured(join(bin, 'postgres'), args, as);
    current = started;
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Date.now() < deadline && started.running()) {
      if (await accepts(url)) return;
      await delay(50);
    }
    const printed = started.output();
    if (started.running()) {
      started.child.kill('SIGKILL');
      await started.exited;
    }
    throw new Error(`postgres did not start on port ${port}:\n${printed}`);
  };
  const signal = async (name: NodeJS.Signals) => {
    if (!current) return;
    if (current.running()) current.child.kill(name);
    await current.exited;
  };

  try {
    await launch();
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url,
    port,
    running: () => current?.running() ?? false,
    output: () => current?.output() ?? '',
    stop: () => signal('SIGINT'),
    kill: () => signal('SIGKILL'),
    start: async () => {
      if (current?.running()) throw new Error('postgres is running already');
      await launch();
    },
    destroy: async () => {
      await signal('SIGINT');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function accepts(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The installed PostgreSQL's programs: the newest /usr/lib/postgresql/<version>/bin (Debian's layout). */
function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((name) => existsSync(join(root, name, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) throw new Error(`no PostgreSQL server programs under ${root}`);
  return join(root, versions[0], 'bin');
}

function postgresUser(): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres']).toString().trim());
  return { uid: id('-u'), gid: id('-g') };
}
