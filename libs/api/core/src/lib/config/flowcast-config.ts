import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { bool, cleanEnv, makeValidator, str } from 'envalid';

/** Where events and workflows are kept: the embedded SQLite file or a PostgreSQL server. */
export type StoreLocation = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

/** The one typed configuration, read from the environment once at boot (CONTRACT §1). */
export interface FlowcastConfig {
  port: number;
  host: string | undefined;
  store: StoreLocation;
  /**
   * How long appends that follow a commit within this many milliseconds wait to share the next one
   * (group commit). 0: every tick commits at once.
   */
  commitWindowMs: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  demo: boolean;
  stream: {
    heartbeatMs: number;
    retryMs: number;
    closeGraceMs: number;
    maxStreamsPerUser: number;
    maxStreams: number;
    maxLifetimeMs: number;
    /** Bytes a stream may have queued in the process before its client counts as too slow. */
    maxBufferBytes: number;
  };
  engine: {
    concurrency: number;
    /** How long running workflows go on while the store refuses writes, before they are stopped to end failed. */
    storeOutageLimitMs: number;
    /** The Claude Code CLI the claude-code runner starts. */
    claudeBin: string;
    /** Below this many log lines per second a workflow's lines are sent one `log:created` each. */
    logBatchThreshold: number;
  };
  shutdownTimeoutMs: number;
  /** Finished workflows older than this many days are deleted in the background; null: kept for ever. */
  retentionDays: number | null;
  auth: {
    /** From ADMIN_PASSWORD; when absent, a password is generated on first start and printed once. */
    adminPassword: string | undefined;
    /** From SESSION_SECRET; when absent, one is generated and kept in the store. */
    sessionSecret: string | undefined;
    sessionIdleMs: number;
    sessionMaxMs: number;
    /** `auto`: Secure when the request came over HTTPS (see TRUST_PROXY). */
    cookieSecure: 'auto' | 'always' | 'never';
    trustProxy: boolean;
    corsOrigins: string[];
  };
  metrics: {
    /** From METRICS_TOKEN: a bearer that may read `GET /api/metrics` (and nothing else). Never logged. */
    token: string | undefined;
  };
  /**
   * From REDIS_URL: the instance joins a cluster (live events, runs, stream caps and revocations shared
   * through Redis; the store must be PostgreSQL). Null: one process on its own (the embedded default).
   */
  cluster: ClusterConfig | null;
}

export interface ClusterConfig {
  redisUrl: string;
  /**
   * Names this process in Redis (its liveness key) and in the store (the runs it claims): INSTANCE_ID (or
   * the host name), the pid and a random part, so that a restarted instance is never taken for its
   * previous, dead self.
   */
  instanceId: string;
}

export const FLOWCAST_CONFIG = Symbol('FLOWCAST_CONFIG');

export class ConfigError extends Error {}

function wholeNumber(input: string, min: number, max: number): number {
  if (!/^\d+$/.test(input.trim())) throw new Error(`must be a whole number, got "${input}"`);
  const value = Number(input);
  if (value < min || value > max) throw new Error(`must be between ${min} and ${max}, got ${value}`);
  return value;
}

const int = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  makeValidator<number>((input) => wholeNumber(input, min, max));

/** A whole number in [min, max], or empty (unset): kept as text so that "unset" survives envalid. */
const optionalInt = (min: number, max: number) =>
  makeValidator<string>((input) => {
    if (input.trim() === '') return '';
    return String(wholeNumber(input, min, max));
  });

const storeUrl = makeValidator<string>((input) => {
  parseStoreLocation(input);
  return input;
});

/** A comma-separated list of exact origins (`https://console.example.com`); `*` is refused. */
const corsOrigins = makeValidator<string>((input) => {
  const origins = input
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin !== '');
  for (const origin of origins) {
    let parsed: URL;
    try {
      parsed = new URL(origin);
    } catch {
      throw new Error(`must list origins such as https://console.example.com, got "${origin}"`);
    }
    if (parsed.origin !== origin)
      throw new Error(`"${origin}" is not an origin (scheme://host[:port], no path)`);
  }
  return origins.join(',');
});

/** A secret a scraper sends as a bearer: long enough not to be guessed; its value never appears in an error. */
const metricsToken = makeValidator<string>((input) => {
  if (input !== '' && input.length < 16) throw new Error('must be at least 16 characters when set');
  if (/\s/.test(input)) throw new Error('must not contain whitespace');
  return input;
});

/** A redis:// or rediss:// URL (host required; a database number as the path is allowed). */
const redisUrl = makeValidator<string>((input) => {
  if (input === '') return input;
  let parsed: URL;
  try {
    parsed = new URL(input);
  } catch {
    throw new Error('is not a parsable redis:// URL');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new Error(`must start with redis:// or rediss://, got "${parsed.protocol}//…"`);
  }
  if (parsed.hostname === '') throw new Error('needs a host, as in redis://127.0.0.1:6379');
  if (!/^\/?\d*$/.test(parsed.pathname)) throw new Error('may only name a database number as its path');
  return input;
});

const instanceId = makeValidator<string>((input) => {
  if (input !== '' && !/^[A-Za-z0-9._-]{1,64}$/.test(input)) {
    throw new Error('must be 1 to 64 letters, digits, dots, dashes or underscores');
  }
  return input;
});

/** A name for this process that no other process, running or dead, has: a prefix, the pid and a random part. */
export function processInstanceId(prefix = hostname()): string {
  const name = prefix.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 64);
  return `${name}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

export function parseStoreLocation(input: string): StoreLocation {
  if (input.startsWith('sqlite:')) {
    const path = input.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (path === '') throw new Error('sqlite: needs a file path, as in sqlite:data/flowcast.db');
    return { kind: 'sqlite', path };
  }
  if (/^postgres(ql)?:\/\//.test(input)) {
    try {
      new URL(input);
    } catch {
      throw new Error('is not a parsable postgres:// URL');
    }
    return { kind: 'postgres', url: input };
  }
  throw new Error(`must start with sqlite: or postgres://, got "${input.split(':')[0]}:…"`);
}

/**
 * Reads and validates the environment. Throws a ConfigError whose message is one line naming the variable
 * and why it is wrong, so that start-up fails fast and says so.
 */
export function loadConfig(environment: NodeJS.ProcessEnv = process.env): FlowcastConfig {
  const env = cleanEnv(
    environment,
    {
      PORT: int(0, 65535)({ default: 3000 }),
      HOST: str({ default: '' }),
      DATABASE_URL: storeUrl({ default: 'sqlite:data/flowcast.db' }),
      STORE_COMMIT_WINDOW_MS: int(0, 1_000)({ default: 10 }),
      LOG_LEVEL: str({
        choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
        default: 'info',
      }),
      DEMO: bool({ default: true }),
      SSE_HEARTBEAT_MS: int(100, 3_600_000)({ default: 15_000 }),
      SSE_RETRY_MS: int(0, 3_600_000)({ default: 3_000 }),
      SSE_CLOSE_GRACE_MS: int(0, 600_000)({ default: 2_000 }),
      SSE_MAX_STREAMS_PER_USER: int(1)({ default: 20 }),
      SSE_MAX_STREAMS: int(1)({ default: 20_000 }),
      SSE_MAX_LIFETIME_MS: int(1_000)({ default: 3_600_000 }),
      SSE_MAX_BUFFER_BYTES: int(1_024)({ default: 1_048_576 }),
      WORKFLOW_CONCURRENCY: int(1, 1_000)({ default: 4 }),
      LOG_BATCH_THRESHOLD: int(1)({ default: 50 }),
      CLAUDE_BIN: str({ default: 'claude' }),
      SHUTDOWN_TIMEOUT_MS: int(100, 60_000)({ default: 8_000 }),
      STORE_OUTAGE_LIMIT_MS: int(1_000, 86_400_000)({ default: 60_000 }),
      EVENT_RETENTION_DAYS: optionalInt(1, 36_500)({ default: '' }),
      ADMIN_PASSWORD: str({ default: '' }),
      SESSION_SECRET: str({ default: '' }),
      SESSION_IDLE_MS: int(1_000)({ default: 7 * 24 * 3_600_000 }),
      SESSION_MAX_MS: int(60_000)({ default: 30 * 24 * 3_600_000 }),
      COOKIE_SECURE: str({ choices: ['auto', 'always', 'never'], default: 'auto' }),
      TRUST_PROXY: bool({ default: false }),
      CORS_ORIGINS: corsOrigins({ default: '' }),
      METRICS_TOKEN: metricsToken({ default: '' }),
      REDIS_URL: redisUrl({ default: '' }),
      INSTANCE_ID: instanceId({ default: '' }),
    },
    {
      reporter: ({ errors }) => {
        const [name, error] = Object.entries(errors)[0] ?? [];
        if (name && error) throw new ConfigError(`Invalid configuration: ${name} ${error.message}`);
      },
    },
  );
  const store = parseStoreLocation(env.DATABASE_URL);
  if (env.REDIS_URL !== '' && store.kind !== 'postgres') {
    throw new ConfigError(
      'Invalid configuration: REDIS_URL needs DATABASE_URL=postgres://… (an SQLite file serves one process only)',
    );
  }
  return {
    port: env.PORT,
    host: env.HOST === '' ? undefined : env.HOST,
    store,
    commitWindowMs: env.STORE_COMMIT_WINDOW_MS,
    logLevel: env.LOG_LEVEL as FlowcastConfig['logLevel'],
    demo: env.DEMO,
    stream: {
      heartbeatMs: env.SSE_HEARTBEAT_MS,
      retryMs: env.SSE_RETRY_MS,
      closeGraceMs: env.SSE_CLOSE_GRACE_MS,
      maxStreamsPerUser: env.SSE_MAX_STREAMS_PER_USER,
      maxStreams: env.SSE_MAX_STREAMS,
      maxLifetimeMs: env.SSE_MAX_LIFETIME_MS,
      maxBufferBytes: env.SSE_MAX_BUFFER_BYTES,
    },
    engine: {
      concurrency: env.WORKFLOW_CONCURRENCY,
      storeOutageLimitMs: env.STORE_OUTAGE_LIMIT_MS,
      claudeBin: env.CLAUDE_BIN,
      logBatchThreshold: env.LOG_BATCH_THRESHOLD,
    },
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    retentionDays: env.EVENT_RETENTION_DAYS === '' ? null : Number(env.EVENT_RETENTION_DAYS),
    auth: {
      adminPassword: env.ADMIN_PASSWORD === '' ? undefined : env.ADMIN_PASSWORD,
      sessionSecret: env.SESSION_SECRET === '' ? undefined : env.SESSION_SECRET,
      sessionIdleMs: env.SESSION_IDLE_MS,
      sessionMaxMs: env.SESSION_MAX_MS,
      cookieSecure: env.COOKIE_SECURE as FlowcastConfig['auth']['cookieSecure'],
      trustProxy: env.TRUST_PROXY,
      corsOrigins: env.CORS_ORIGINS === '' ? [] : env.CORS_ORIGINS.split(','),
    },
    metrics: { token: env.METRICS_TOKEN === '' ? undefined : env.METRICS_TOKEN },
    cluster:
      env.REDIS_URL === ''
        ? null
        : { redisUrl: env.REDIS_URL, instanceId: processInstanceId(env.INSTANCE_ID || undefined) },
  };
}
