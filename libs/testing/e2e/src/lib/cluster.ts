import { ApiClient } from './api-client';
import { type RunningNginx, startNginx } from './nginx';
import { createTestDatabase, type TestDatabase } from './postgres-database';
import { type RunningRedis, startRedis } from './redis-server';
import { ADMIN_PASSWORD, removeDir, type RunningServer, startServer } from './server';
import { freePort } from './ports';

export interface RunningCluster {
  /** nginx in front of every instance: what a browser or client talks to. */
  url: string;
  /** The admin, with a token, through nginx. */
  api: ApiClient;
  nginx: RunningNginx;
  redis: RunningRedis;
  database: TestDatabase;
  /** The instances, in start order (each on its own fixed port, so a restart keeps nginx's upstream). */
  servers: RunningServer[];
  /** SIGKILLs instance `index` and starts a new one on its port (same store, same Redis). */
  restart(index: number, how?: 'kill' | 'stop'): Promise<RunningServer>;
  /** Stops everything it started and drops the database. */
  stop(): Promise<void>;
}

export interface ClusterOptions {
  instances?: number;
  env?: Record<string, string>;
}

/**
 * A cluster as docs/deployment.md describes it: several instances on one fresh PostgreSQL database and a
 * Redis of the test's own, behind nginx with the production proxy settings (round-robin, no stickiness).
 */
export async function startCluster(options: ClusterOptions = {}): Promise<RunningCluster> {
  const database = await createTestDatabase();
  const redis = await startRedis();
  const servers: RunningServer[] = [];
  let nginx: RunningNginx | undefined;
  const envFor = (index: number) => ({
    DATABASE_URL: database.url,
    REDIS_URL: redis.url,
    TRUST_PROXY: 'true',
    INSTANCE_ID: `instance-${index + 1}`,
    ...options.env,
  });
  const stopAll = async () => {
    for (const server of servers) {
      await server.kill();
      removeDir(server.dataDir);
    }
    await nginx?.stop();
    await redis.stop();
    await database.drop();
  };
  try {
    // One after the other: the first creates the admin and the session secret, the others find them.
    for (let index = 0; index < (options.instances ?? 2); index++) {
      servers.push(await startServer({ port: await freePort(), env: envFor(index) }));
    }
    nginx = await startNginx(servers.map((server) => server.port));
  } catch (error) {
    await stopAll();
    throw error;
  }
  const url = nginx.url;
  return {
    url,
    api: await ApiClient.asUser(url, 'admin', ADMIN_PASSWORD),
    nginx,
    redis,
    database,
    servers,
    async restart(index, how = 'kill') {
      const old = servers[index];
      await (how === 'kill' ? old.kill() : old.stop());
      removeDir(old.dataDir);
      servers[index] = await startServer({ port: old.port, env: envFor(index) });
      return servers[index];
    },
    stop: stopAll,
  };
}
