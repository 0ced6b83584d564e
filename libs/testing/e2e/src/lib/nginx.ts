import type { ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { acceptsConnections, delay, freePort } from './ports';
import { spawnCaptured } from './processes';

const NGINX = '/usr/sbin/nginx';
const DEPLOY = resolve(__dirname, '../../../../../deploy/nginx');
/** The production proxy settings and locations, included by the test's config exactly as they are. */
export const NGINX_LOCATIONS_FILE = join(DEPLOY, 'flowcast-locations.conf');
const PRODUCTION_CONFIG = join(DEPLOY, 'flowcast.conf');
const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;

export interface RunningNginx {
  /** `http://127.0.0.1:PORT` */
  url: string;
  port: number;
  process: ChildProcess;
  /** The nginx error log so far (kept after stop()). */
  errorLog(): string;
  /** One line per request: `client status method uri upstream=<instance address> …` (kept after stop()). */
  accessLog(): string;
  /** SIGTERM (nginx's fast shutdown: open streams are cut), wait for the exit, remove the directory. */
  stop(): Promise<void>;
}

/**
 * Starts nginx on a free 127.0.0.1 port in front of Flowcast instances on 127.0.0.1:<upstreamPorts>, with
 * deploy/nginx's upstream settings and its locations file included as is; only the listen (plain HTTP, no
 * TLS) and the instances differ from production. nginx runs in the foreground (`daemon off`) as a child
 * process with its own config, pid file, temp paths and logs in a temporary directory.
 */
export async function startNginx(upstreamPorts: number[]): Promise<RunningNginx> {
  if (!existsSync(NGINX)) throw new Error(`${NGINX} is missing: apt-get install nginx (.ci/run does)`);
  if (upstreamPorts.length === 0) throw new Error('startNginx needs at least one upstream port');
  const dir = mkdtempSync(join(tmpdir(), 'flowcast-nginx-'));
  // Started as root, the master runs its worker as nobody, which must be able to enter the directory
  // (for the temp paths nginx creates in it for that user).
  chmodSync(dir, 0o755);
  const errorLogPath = join(dir, 'error.log');
  const accessLogPath = join(dir, 'access.log');
  const read = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8') : '');

  let started: { child: ChildProcess; exited: Promise<void>; port: number } | undefined;
  try {
    for (let attempt = 0; !started; attempt++) {
      const port = await freePort();
      writeFileSync(join(dir, 'nginx.conf'), config(dir, port, upstreamPorts));
      started = await launch(dir, port).catch(async (error: Error) => {
        // The port was taken between the probe and nginx's bind: try another one.
        if (attempt < 4 && /Address already in use/.test(read(errorLogPath))) {
          writeFileSync(errorLogPath, '');
          return undefined;
        }
        throw error;
      });
    }
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }

  const { child, exited, port } = started;
  let finalLogs: { error: string; access: string } | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    process: child,
    errorLog: () => finalLogs?.error ?? read(errorLogPath),
    accessLog: () => finalLogs?.access ?? read(accessLogPath),
    stop: async () => {
      if (finalLogs) return;
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
      finalLogs = { error: read(errorLogPath), access: read(accessLogPath) };
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function launch(
  dir: string,
  port: number,
): Promise<{ child: ChildProcess; exited: Promise<void>; port: number }> {
  const errorLogPath = join(dir, 'error.log');
  // -e: the start-up error log, before the config's own error_log (else the compiled-in path is opened).
  const { child, output, running, exited } = spawnCaptured(NGINX, [
    '-p',
    dir,
    '-c',
    join(dir, 'nginx.conf'),
    '-e',
    errorLogPath,
  ]);
  const failure = (why: string) => {
    const log = existsSync(errorLogPath) ? readFileSync(errorLogPath, 'utf8') : '';
    return new Error(`nginx ${why}:\n${output()}${log}`);
  };

  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (!running()) {
      await exited;
      throw failure(`exited with ${child.exitCode ?? child.signalCode} before listening`);
    }
    if (await acceptsConnections(port)) return { child, exited, port };
    await delay(25);
  }
  child.kill('SIGKILL');
  await exited;
  throw failure(`did not listen on ${port} in ${START_TIMEOUT_MS} ms`);
}

function config(dir: string, port: number, upstreamPorts: number[]): string {
  const path = (name: string) => JSON.stringify(join(dir, name));
  const servers = upstreamPorts.map((upstreamPort) => `        server 127.0.0.1:${upstreamPort};`).join('\n');
  return `# Written by startNginx (libs/testing/e2e); only the upstream's servers and the listen are the test's.
daemon off;
worker_processes 1;
pid ${path('nginx.pid')};
error_log ${path('error.log')} info;

events {
    worker_connections 4096;
}

http {
    log_format flowcast '$remote_addr $status $request_method $request_uri upstream=$upstream_addr '
                        'connect=$upstream_connect_time time=$request_time';
    access_log ${path('access.log')} flowcast;
    client_body_temp_path ${path('client_body')};
    proxy_temp_path ${path('proxy')};
    fastcgi_temp_path ${path('fastcgi')};
    uwsgi_temp_path ${path('uwsgi')};
    scgi_temp_path ${path('scgi')};

${productionUpstream(servers)}

    server {
        listen 127.0.0.1:${port};
        include ${JSON.stringify(NGINX_LOCATIONS_FILE)};
    }
}
`;
}

/** deploy/nginx/flowcast.conf's `upstream flowcast` block with its `server` lines replaced by ours. */
function productionUpstream(servers: string): string {
  const block = /^upstream flowcast \{\n([\s\S]*?)^\}/m.exec(readFileSync(PRODUCTION_CONFIG, 'utf8'));
  if (!block) throw new Error(`${PRODUCTION_CONFIG} has no "upstream flowcast { … }" block`);
  const settings = block[1]
    .split('\n')
    .filter((line) => !/^\s*server\s/.test(line))
    .join('\n');
  return `    upstream flowcast {\n${servers}\n${settings.replace(/^(?=.)/gm, '    ')}    }`;
}
