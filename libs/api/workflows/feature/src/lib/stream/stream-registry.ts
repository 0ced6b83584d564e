import type { ServerResponse } from 'node:http';
import { HttpException, HttpStatus, Inject, Injectable, OnModuleDestroy, Optional } from '@nestjs/common';
import type { Subscription } from 'rxjs';
import { AccessEvents, type AccessRevocation, type Principal } from '@flowcast/api-auth';
import { FLOWCAST_CONFIG, type FlowcastConfig, RedisClients } from '@flowcast/api-core';
import type { TypeFilter } from '@flowcast/shared-contract';
import { WorkflowListFeed } from '@flowcast/api-workflows-data-access';
import { ClusterStreamSlots } from './cluster-stream-slots';
import { CloseReason, ConnectionEvents, SseConnection, StreamSettings } from './sse-connection';

/**
 * How a stream request was answered: `snapshot` (no Last-Event-ID), `replayed` (resumed after a known id),
 * `reset` (an unknown id: `stream:reset`, then a snapshot), `no_content` (a finished workflow with nothing
 * newer: 204).
 */
export type ResumeOutcome = 'snapshot' | 'replayed' | 'reset' | 'no_content';

/** Running totals since start: plain numbers on the hot path, read by the metrics scrape. */
export interface StreamCounters {
  opened: number;
  closed: Record<CloseReason, number>;
  /** Events written to clients (one event written to two clients counts two). */
  eventsDelivered: number;
  /** UTF-8 bytes written to clients: frames, comments and `retry:` hints. */
  bytesWritten: number;
  heartbeats: number;
  resumes: Record<ResumeOutcome, number>;
}

/**
 * Every open stream of the process: admission (the per-user and process-wide caps; in a cluster the
 * per-user cap counts the user's streams on every instance), one shared timer for heartbeats and lifetimes
 * (instead of a timer per connection), counters, and shutdown.
 */
@Injectable()
export class StreamRegistry implements OnModuleDestroy {
  private readonly connections = new Set<SseConnection>();
  private readonly perPrincipal = new Map<string, number>();
  private readonly settings: StreamSettings;
  private readonly tickMs: number;
  private timer: NodeJS.Timeout | undefined;
  private closing = false;
  readonly counters: StreamCounters = {
    opened: 0,
    closed: { client: 0, finished: 0, slow: 0, lifetime: 0, shutdown: 0, revoked: 0, deleted: 0, error: 0 },
    eventsDelivered: 0,
    bytesWritten: 0,
    heartbeats: 0,
    resumes: { snapshot: 0, replayed: 0, reset: 0, no_content: 0 },
  };

  private readonly revocations: Subscription;
  private readonly deletions: Subscription;
  private readonly clusterSlots: ClusterStreamSlots | null;
  /** Connections whose slot Redis counted (admitted while it answered): only these give one back. */
  private readonly clusterCounted = new WeakSet<SseConnection>();
  private readonly connectionEvents: ConnectionEvents = {
    onWrite: (bytes, events) => {
      this.counters.bytesWritten += bytes;
      this.counters.eventsDelivered += events;
    },
    onClose: (closed, reason) => this.remove(closed, reason),
  };

  constructor(
    @Inject(FLOWCAST_CONFIG) private readonly config: FlowcastConfig,
    @Inject(AccessEvents) access: AccessEvents,
    @Inject(WorkflowListFeed) listFeed: WorkflowListFeed,
    @Optional() @Inject(RedisClients) redis: RedisClients | null = null,
  ) {
    this.clusterSlots = redis
      ? new ClusterStreamSlots(redis, config.stream.maxStreamsPerUser, () => this.countAllInCluster())
      : null;
    // Access taken away ends the streams it opened at once; the client reconnects and is checked again.
    this.revocations = access.revoked$.subscribe((revocation) => this.endRevoked(revocation));
    // A deleted workflow's streams end (here or on another instance); a reconnect is then answered 404.
    this.deletions = listFeed.deleted$.subscribe((workflowId) => this.endDeleted(workflowId));
    const stream = config.stream;
    this.settings = {
      heartbeatMs: stream.heartbeatMs,
      retryMs: stream.retryMs,
      closeGraceMs: stream.closeGraceMs,
      maxBufferBytes: stream.maxBufferBytes,
      maxHeldEvents: 10_000,
    };
    // Ticking four times per interval and writing to streams silent for 3/4 of it keeps every stream's
    // silence under SSE_HEARTBEAT_MS while each idle stream gets about one heartbeat per interval.
    this.tickMs = Math.max(25, Math.floor(stream.heartbeatMs / 4));
  }

  get size(): number {
    return this.connections.size;
  }

  get isClosing(): boolean {
    return this.closing;
  }

  /** A connection for a stream request, not yet admitted: it may listen, and is then admitted or abandoned. */
  create(
    res: ServerResponse,
    workflowId: string,
    principal: Principal,
    filter: TypeFilter | null,
    label?: string,
  ): SseConnection {
    return new SseConnection(
      workflowId,
      { userId: principal.userId, credentialId: principal.credential.id },
      res,
      filter,
      this.settings,
      this.connectionEvents,
      label,
    );
  }

  /**
   * Throws 429 (JSON, with Retry-After, before any stream byte) when the connection's user or the process
   * is at its cap; otherwise counts the connection in and resolves true. The caller then calls begin().
   * False: the client hung up while the cluster was asked (nothing is counted; nothing to answer).
   */
  async admit(res: ServerResponse, connection: SseConnection): Promise<boolean> {
    if (this.connections.size >= this.config.stream.maxStreams) {
      throw this.tooMany(res, 'The server has too many open streams; try again shortly');
    }
    const userId = connection.owner.userId;
    const perUser = `At most ${this.config.stream.maxStreamsPerUser} open streams per user`;
    // In a cluster Redis counts the user's streams everywhere; without it (or while it is away), this process's.
    const clusterSlot = this.clusterSlots ? await this.clusterSlots.acquire(userId) : undefined;
    if (clusterSlot === false) throw this.tooMany(res, perUser);
    if (
      clusterSlot === undefined &&
      (this.perPrincipal.get(userId) ?? 0) >= this.config.stream.maxStreamsPerUser
    ) {
      throw this.tooMany(res, perUser);
    }
    if (!connection.isOpen) {
      if (clusterSlot) this.clusterSlots?.release(userId);
      return false;
    }
    if (clusterSlot) this.clusterCounted.add(connection);
    // Spread lifetimes over ±10% so that streams opened together do not all reconnect together.
    connection.deadline = performance.now() + this.config.stream.maxLifetimeMs * (0.9 + Math.random() * 0.2);
    this.connections.add(connection);
    this.perPrincipal.set(userId, (this.perPrincipal.get(userId) ?? 0) + 1);
    this.counters.opened++;
    this.ensureTimer();
    return true;
  }

  /** Ends every open stream with a `retry:` line; new streams are refused the same way from now on. */
  shutdown(): void {
    this.closing = true;
    for (const connection of [...this.connections]) connection.endEarly('shutdown');
    this.stopTimer();
  }

  onModuleDestroy(): void {
    this.revocations.unsubscribe();
    this.deletions.unsubscribe();
    this.stopTimer();
  }

  /** Every open stream, as Redis is about to count them (its counts are written again after a reconnect). */
  private countAllInCluster(): ReadonlyMap<string, number> {
    for (const connection of this.connections) this.clusterCounted.add(connection);
    return this.perPrincipal;
  }

  private endRevoked(revocation: AccessRevocation): void {
    for (const connection of [...this.connections]) {
      const owner = connection.owner;
      const matches =
        revocation.kind === 'user'
          ? owner.userId === revocation.userId
          : owner.credentialId === revocation.credentialId;
      if (matches) connection.endEarly('revoked');
    }
  }

  private endDeleted(workflowId: string): void {
    for (const connection of [...this.connections]) {
      if (connection.workflowId === workflowId) connection.endEarly('deleted');
    }
  }

  private tooMany(res: ServerResponse, message: string): HttpException {
    res.setHeader('Retry-After', String(Math.max(1, Math.ceil(this.config.stream.retryMs / 1000))));
    return new HttpException(
      { statusCode: 429, error: 'Too Many Requests', message },
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }

  private remove(connection: SseConnection, reason: CloseReason): void {
    if (!this.connections.delete(connection)) return;
    this.counters.closed[reason]++;
    const userId = connection.owner.userId;
    const left = (this.perPrincipal.get(userId) ?? 1) - 1;
    if (left > 0) this.perPrincipal.set(userId, left);
    else this.perPrincipal.delete(userId);
    if (this.clusterCounted.delete(connection)) this.clusterSlots?.release(userId);
    if (this.connections.size === 0) this.stopTimer();
  }

  private ensureTimer(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), this.tickMs);
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    const now = performance.now();
    const silentFor = this.settings.heartbeatMs - this.tickMs;
    for (const connection of this.connections) {
      if (now >= connection.deadline) connection.endEarly('lifetime');
      else if (now - connection.lastWriteAt >= silentFor) {
        connection.heartbeat();
        this.counters.heartbeats++;
      }
    }
  }
}
