import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { CliError } from './exit-codes';

/** What `flowcast login` keeps: the server and a personal API token, never the password. */
export interface StoredConfig {
  server?: string;
  token?: string;
}

export const DEFAULT_SERVER = 'http://127.0.0.1:3000';

type Env = Record<string, string | undefined>;

/** `$XDG_CONFIG_HOME/flowcast/config.json`, else `~/.config/flowcast/config.json`. */
export function configPath(env: Env = process.env): string {
  const base = env['XDG_CONFIG_HOME'] || join(env['HOME'] || homedir(), '.config');
  return join(base, 'flowcast', 'config.json');
}

export function readConfig(path: string): StoredConfig {
  if (!existsSync(path)) return {};
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (typeof parsed !== 'object' || parsed === null) throw new Error('not an object');
    const { server, token } = parsed as Record<string, unknown>;
    return {
      ...(typeof server === 'string' ? { server } : {}),
      ...(typeof token === 'string' ? { token } : {}),
    };
  } catch (error) {
    throw new CliError(`cannot read ${path}: ${(error as Error).message}`);
  }
}

/**
 * Writes the config readable by its owner only (0600, in a 0700 directory): it holds a bearer token. The
 * file is written beside and renamed over the old one, so a crash never leaves half a file, and its mode
 * is set before the token is in it.
 */
export function writeConfig(path: string, config: StoredConfig): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, '', { mode: 0o600 });
  chmodSync(temporary, 0o600);
  writeFileSync(temporary, `${JSON.stringify(config, null, 2)}\n`);
  renameSync(temporary, path);
}

export interface ConnectionOptions {
  server?: string;
  token?: string;
}

export interface Connection {
  server: string;
  token: string | undefined;
}

/** Flags win over the environment, which wins over the stored config. */
export function resolveConnection(options: ConnectionOptions, env: Env, stored: StoredConfig): Connection {
  const server = options.server ?? env['FLOWCAST_SERVER'] ?? stored.server ?? DEFAULT_SERVER;
  return {
    server: normalizeServer(server),
    token: options.token ?? (env['FLOWCAST_TOKEN'] || undefined) ?? stored.token,
  };
}

/** An http(s) base URL without a trailing slash; anything else is a usage error. */
export function normalizeServer(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CliError(`not a server URL: ${value}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CliError(`not an http(s) server URL: ${value}`);
  }
  return url.href.replace(/\/+$/, '');
}
