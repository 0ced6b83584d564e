import { ConfigError, loadConfig, parseStoreLocation } from './flowcast-config';

describe('loadConfig', () => {
  it('gives the documented defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000,
      host: undefined,
      store: { kind: 'sqlite', path: 'data/flowcast.db' },
      commitWindowMs: 10,
      demo: true,
      stream: {
        heartbeatMs: 15_000,
        retryMs: 3_000,
        closeGraceMs: 2_000,
        maxStreamsPerUser: 20,
        maxLifetimeMs: 3_600_000,
      },
      engine: { concurrency: 4, logBatchThreshold: 50, claudeBin: 'claude' },
      auth: { adminPassword: undefined, sessionSecret: undefined, cookieSecure: 'auto', corsOrigins: [] },
      metrics: { token: undefined },
      cluster: null,
      retentionDays: null,
    });
  });

  it('joins a cluster with REDIS_URL and a PostgreSQL store, named by INSTANCE_ID or the host, per process', () => {
    const postgres = 'postgres://flowcast@db.internal:5432/flowcast';
    const named = loadConfig({
      DATABASE_URL: postgres,
      REDIS_URL: 'redis://cache:6379/2',
      INSTANCE_ID: 'api-1',
    });
    expect(named.cluster).toEqual({
      redisUrl: 'redis://cache:6379/2',
      instanceId: expect.stringMatching(new RegExp(`^api-1-${process.pid}-[0-9a-f]{6}$`)),
    });
    const generated = loadConfig({ DATABASE_URL: postgres, REDIS_URL: 'rediss://cache' }).cluster;
    expect(generated?.instanceId).toMatch(/^[A-Za-z0-9.-]+-\d+-[0-9a-f]{6}$/);
    expect(loadConfig({ DATABASE_URL: postgres, REDIS_URL: 'rediss://cache' }).cluster?.instanceId).not.toBe(
      generated?.instanceId,
    );
  });

  it('reads every variable it documents', () => {
    const config = loadConfig({
      PORT: '8080',
      DATABASE_URL: 'postgres://flowcast@db.internal:5432/flowcast',
      SSE_HEARTBEAT_MS: '5000',
      WORKFLOW_CONCURRENCY: '8',
      CORS_ORIGINS: 'https://a.example.com, https://b.example.com:8443',
      COOKIE_SECURE: 'always',
      DEMO: 'false',
      METRICS_TOKEN: 'scrape-me-0123456789',
      STORE_COMMIT_WINDOW_MS: '0',
      EVENT_RETENTION_DAYS: '30',
    });
    expect(config.retentionDays).toBe(30);
    expect(config.port).toBe(8080);
    expect(config.commitWindowMs).toBe(0);
    expect(config.store).toEqual({ kind: 'postgres', url: 'postgres://flowcast@db.internal:5432/flowcast' });
    expect(config.stream.heartbeatMs).toBe(5_000);
    expect(config.engine.concurrency).toBe(8);
    expect(config.auth.corsOrigins).toEqual(['https://a.example.com', 'https://b.example.com:8443']);
    expect(config.auth.cookieSecure).toBe('always');
    expect(config.demo).toBe(false);
    expect(config.metrics.token).toBe('scrape-me-0123456789');
  });

  it('refuses a short METRICS_TOKEN without repeating its value', () => {
    expect(() => loadConfig({ METRICS_TOKEN: 'short-secret' })).toThrow(
      new ConfigError('Invalid configuration: METRICS_TOKEN must be at least 16 characters when set'),
    );
  });

  it.each([
    ['PORT', 'eighty', /PORT must be a whole number/],
    ['PORT', '70000', /PORT must be between 0 and 65535/],
    ['DATABASE_URL', 'mysql://x', /DATABASE_URL must start with sqlite: or postgres:\/\//],
    ['DATABASE_URL', 'sqlite:', /DATABASE_URL sqlite: needs a file path/],
    ['SSE_HEARTBEAT_MS', '10', /SSE_HEARTBEAT_MS must be between/],
    ['CORS_ORIGINS', '*', /CORS_ORIGINS/],
    ['CORS_ORIGINS', 'https://a.example.com/path', /not an origin/],
    ['COOKIE_SECURE', 'sometimes', /COOKIE_SECURE/],
    ['STORE_COMMIT_WINDOW_MS', '5000', /STORE_COMMIT_WINDOW_MS must be between 0 and 1000/],
    ['REDIS_URL', 'localhost:6379', /REDIS_URL must start with redis:\/\/ or rediss:\/\//],
    ['REDIS_URL', 'redis://', /REDIS_URL is not a parsable redis:\/\/ URL|REDIS_URL needs a host/],
    ['REDIS_URL', 'redis://cache:6379/queues', /REDIS_URL may only name a database number/],
    ['REDIS_URL', 'redis://127.0.0.1:6379', /REDIS_URL needs DATABASE_URL=postgres/],
    ['INSTANCE_ID', 'has spaces', /INSTANCE_ID must be 1 to 64/],
    ['EVENT_RETENTION_DAYS', '0', /EVENT_RETENTION_DAYS must be between 1 and 36500/],
    ['EVENT_RETENTION_DAYS', 'a week', /EVENT_RETENTION_DAYS must be a whole number/],
  ])('refuses %s=%s with one line naming the variable', (name, value, message) => {
    let error: unknown;
    try {
      loadConfig({ [name]: value });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
  });
});

describe('parseStoreLocation', () => {
  it('accepts sqlite paths, relative and absolute, and postgres URLs', () => {
    expect(parseStoreLocation('sqlite:data/x.db')).toEqual({ kind: 'sqlite', path: 'data/x.db' });
    expect(parseStoreLocation('sqlite:///var/lib/x.db')).toEqual({ kind: 'sqlite', path: '/var/lib/x.db' });
    expect(parseStoreLocation('postgresql://u@h/db')).toEqual({
      kind: 'postgres',
      url: 'postgresql://u@h/db',
    });
  });
});
