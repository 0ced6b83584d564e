import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import {
  type AgentDefinition,
  foldWorkflow,
  isTerminalEventType,
  isTerminalStatus,
  reduceWorkflow,
  seedWorkflow,
  type StoredEvent,
  type StreamEvent,
  type WorkflowDefinition,
  type WorkflowDetail,
  type WorkflowEventsResponse,
} from '@flowcast/shared-contract';
import {
  createTestDatabase,
  readStore,
  removeDir,
  type RunningServer,
  seededRandom,
  simulatedAgent,
  type SseReader,
  startServer,
  type StoreSnapshot,
  type TestDatabase,
} from '@flowcast/testing-e2e';

/**
 * The crash loop (issue 12, item 2): heavy appends, a SIGKILL at a random moment, a restart on the same
 * store, then every promise a crash must not break is checked against the store itself. A failure names its
 * seed and round; replay it with CRASH_LOOP_SEED=<seed>.
 */
const SEED = Number(process.env['CRASH_LOOP_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
const ROUNDS = 20;
const CONCURRENCY = 3;
const NEW_PER_ROUND = 3;
const SERVER_ENV = {
  WORKFLOW_CONCURRENCY: String(CONCURRENCY),
  SSE_CLOSE_GRACE_MS: '100',
  SSE_RETRY_MS: '50',
  SSE_MAX_STREAMS_PER_USER: '200',
};

jest.setTimeout(150_000);

/** An output flood: `sh` runs a bounded loop, so an orphan the killed server leaves ends within seconds. */
function shellAgent(name: string, script: string): AgentDefinition {
  return {
    name,
    role: 'developer',
    prompt: script,
    runner: { type: 'shell', command: 'sh', args: ['-c', script] },
  };
}

/** Heavy but varied: floods on stdout and stderr, progress and cost, a budget overrun, a retried iteration. */
const TEMPLATES: ((n: number) => WorkflowDefinition)[] = [
  (n) => ({
    name: `stdout-flood-${n}`,
    agents: [
      shellAgent('flood', 'for i in $(seq 1 25); do seq -f "out $i %g" 1 2000; sleep 0.04; done'),
      simulatedAgent('after', { durationMs: 300, progressMessages: 30, cost: 0.25 }),
    ],
  }),
  (n) => ({
    name: `mixed-flood-${n}`,
    budgetLimit: 10,
    agents: [
      simulatedAgent('warm-up', { durationMs: 150, progressMessages: 15, cost: 0.35 }),
      shellAgent('mixed', 'for i in $(seq 1 25); do seq 1 800; seq 1 200 >&2; sleep 0.04; done'),
    ],
  }),
  (n) => ({
    name: `over-budget-${n}`,
    budgetLimit: 2,
    agents: [
      simulatedAgent('spender', { durationMs: 1_000, progressMessages: 1_000, cost: 1.7 }),
      simulatedAgent('overrun', { durationMs: 600, progressMessages: 300, cost: 0.6 }),
    ],
  }),
  (n) => ({
    name: `retried-${n}`,
    maxIterations: 2,
    agents: [
      {
        name: 'flaky',
        role: 'tester',
        prompt: 'fails once',
        runner: { type: 'simulated', durationMs: 400, progressMessages: 300, cost: 0.1, failIterations: 1 },
        onFailure: 'retry-workflow',
      },
      simulatedAgent('after', { durationMs: 300, progressMessages: 100, cost: 0.2 }),
    ],
  }),
  (n) => ({
    name: `short-${n}`,
    agents: [simulatedAgent('quick', { durationMs: 100, progressMessages: 20, cost: 0.05 })],
  }),
];

/** The state a workflow folds from, built from its definition exactly as the server builds it at creation. */
function seedOf(id: string, definition: WorkflowDefinition, createdAt: string): WorkflowDetail {
  return seedWorkflow({
    id,
    name: definition.name,
    createdAt,
    maxIterations: definition.maxIterations ?? 1,
    budgetLimit: definition.budgetLimit ?? null,
    agents: definition.agents.map((agent) => ({ agentName: agent.name, agentRole: agent.role })),
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolveSleep) => setTimeout(resolveSleep, ms));
}

/** Resolves true when `promise` settles within `ms`, false otherwise (and leaves no timer behind). */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>(
    (resolveTimeout) => (timer = setTimeout(() => resolveTimeout(false), ms)),
  );
  try {
    return await Promise.race([promise.then(() => true), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

const ids = (count: number, from = 0) => Array.from({ length: count - from }, (_, index) => from + index + 1);
const json = (value: unknown) => JSON.stringify(value);

/** One SSE client following one workflow across crashes, always resuming from the last id it saw. */
interface Follower {
  workflowId: string;
  /** The last id this client saw; undefined before its first complete snapshot. */
  cursor: number | undefined;
  /** It read the workflow to its end and a resume from there was answered 204. */
  done: boolean;
  reader?: SseReader;
  /** `cursor` when the open reader was opened. */
  openedAt?: number;
}

interface Store {
  databaseUrl: string;
  dataDir: string;
  env: Record<string, string>;
}

class CrashLoop {
  private readonly random: () => number;
  private readonly followers = new Map<string, Follower>();
  /** Workflows whose start the server acknowledged (201 to `?start=true`). */
  private readonly acknowledged = new Set<string>();
  /** Finished workflows whose follower is done, with their last id: they must never change again. */
  private readonly settled = new Map<string, number>();
  private readonly definitions = new Map<string, WorkflowDefinition>();
  /** Broken promises found in the current phase; a phase ends by expecting none. */
  private problems: string[] = [];
  private created = 0;
  private round = 0;
  private server: RunningServer | undefined;
  private death: StoreSnapshot | undefined;
  readonly stats = { interrupted: 0, requeued: 0, resumed: 0, eventsChecked: 0 };

  constructor(
    private readonly store: Store,
    private readonly seed: number,
  ) {
    this.random = seededRandom(seed);
  }

  private get api() {
    if (!this.server) throw new Error('no server');
    return this.server.api;
  }

  /** Records a broken promise unless `ok`. */
  private expectThat(ok: boolean, workflowId: string, what: string, detail: () => unknown = () => ''): void {
    if (!ok) this.problems.push(`${workflowId}: ${what} ${json(detail()).slice(0, 2_000)}`);
  }

  /** Ends a phase: nothing may have been found (the message names the seed and round to replay). */
  private endPhase(phase: string): void {
    const found = this.problems;
    this.problems = [];
    expect({ seed: this.seed, round: this.round, phase, problems: found }).toEqual({
      seed: this.seed,
      round: this.round,
      phase,
      problems: [],
    });
  }

  /** Boots on the store, checks recovery from the last crash, loads the server and kills it. */
  async crashRound(): Promise<void> {
    this.round++;
    await this.boot();
    for (let index = 0; index < NEW_PER_ROUND; index++) await this.createAndFollow();
    const window = 200 + Math.floor(this.random() * 1_300);
    // Settled as a value, so that its failure is reported after the kill, not as an unhandled rejection.
    const extra = this.extraAction(Math.floor(this.random() * window)).then(
      () => undefined,
      (error: unknown) => error,
    );
    await sleep(window);
    await this.server?.kill();
    const failed = await extra;
    if (failed) throw failed;
    await this.afterDeath();
  }

  /** The last boot: recovery is checked, everything left runs to its end, every follower catches up. */
  async finalRound(): Promise<void> {
    this.round++;
    await this.boot();
    const deadline = Date.now() + 60_000;
    let finished = new Set<string>();
    for (;;) {
      const live = this.liveIds();
      const views = await Promise.all(live.map((id) => this.api.get(id)));
      finished = new Set(live.filter((_, index) => isTerminalStatus(views[index].status)));
      // Only a workflow whose start was never acknowledged may stay pending.
      const unfinished = live.filter(
        (id, index) => !finished.has(id) && (views[index].status !== 'pending' || this.acknowledged.has(id)),
      );
      if (unfinished.length === 0) break;
      if (Date.now() > deadline)
        throw new Error(`seed ${this.seed}: still unfinished: ${unfinished.join(', ')}`);
      await sleep(200);
    }
    await this.catchUp(finished);
    expect(await this.server?.stop()).toBe(0);
    this.server = undefined;

    // The whole store, read directly: ids 1..n, saved state = fold, one terminal event at the end.
    const final = await readStore(this.store.databaseUrl);
    for (const [id, row] of final.workflows) {
      const events = final.events.get(id) ?? [];
      this.expectThat(
        json(events.map((event) => event.id)) === json(ids(row.lastSeq)),
        id,
        'ids are not 1..n',
      );
      const folded = foldWorkflow(seedOf(id, row.definition, row.state.createdAt), events);
      this.expectThat(isDeepStrictEqual(row.state, folded), id, 'saved state differs from the fold', () => [
        row.state,
        folded,
      ]);
      const terminals = events.filter((event) => isTerminalEventType(event.type)).map((event) => event.id);
      if (isTerminalStatus(row.state.status))
        this.expectThat(json(terminals) === json([row.lastSeq]), id, 'terminal events', () => terminals);
      else
        this.expectThat(
          row.status === 'pending' && row.queuedAt === null && !this.acknowledged.has(id),
          id,
          'left unfinished although its start was acknowledged',
          () => row.status,
        );
    }
    this.endPhase('final store');
  }

  /** Every stored event through `GET /events` in pages of `limit`: pages must join without a gap or a repeat. */
  private async eventsInPages(id: string, limit: number): Promise<StoredEvent[]> {
    const all: StoredEvent[] = [];
    for (;;) {
      const after = all.length > 0 ? all[all.length - 1].id : 0;
      const page = await this.api.request<WorkflowEventsResponse>(
        'GET',
        `/api/workflows/${id}/events?after=${after}&limit=${limit}`,
      );
      expect(page.status).toBe(200);
      all.push(...page.body.items);
      if (page.body.items.length < limit) return all;
    }
  }

  /** Kills the current server, if it still runs (a failed check must not leave it behind). */
  async killServer(): Promise<void> {
    await this.server?.kill();
  }

  private liveIds(): string[] {
    return [...(this.death?.workflows.keys() ?? [])].filter((id) => !this.settled.has(id));
  }

  private async boot(): Promise<void> {
    this.server = await startServer({
      dataDir: this.store.dataDir,
      env: { ...SERVER_ENV, ...this.store.env },
    });
    if (!this.death) return;
    const finished = await this.checkRecovery(this.death);
    await this.catchUp(finished);
    await this.resumeFromTheMiddle();
  }

  /**
   * Right after a restart, per workflow the dead process left: ids 1..n; everything stored before the crash
   * still there, unchanged; the saved state equal to the fold of the stored events; at most one terminal
   * event, the last; a workflow it ran ended `interrupted` (recovery appended that and nothing else); one
   * it had queued runs now; one whose start it never acknowledged stays pending. Resolves with the ids of
   * the finished ones.
   */
  private async checkRecovery(death: StoreSnapshot): Promise<Set<string>> {
    const live = this.liveIds();
    const finished = new Set<string>();
    const queued: { id: string; at: string }[] = [];
    await Promise.all(
      live.map(async (id) => {
        const before = death.workflows.get(id);
        if (!before) return;
        const detail = await this.api.get(id);
        const events = await this.eventsInPages(id, 20 + Math.floor(this.random() * 180));
        this.stats.eventsChecked += events.length;
        const storedBefore = death.events.get(id) ?? [];
        this.expectThat(
          json(events.map((event) => event.id)) === json(ids(events.length)),
          id,
          'ids not 1..n',
        );
        this.expectThat(
          json(events.slice(0, before.lastSeq)) === json(storedBefore),
          id,
          'what was stored before the crash changed',
          () => ({ before: before.lastSeq, now: events.length }),
        );
        const folded = foldWorkflow(
          seedOf(id, before.definition, detail.createdAt),
          events.filter((event) => event.id <= detail.lastEventId),
        );
        this.expectThat(isDeepStrictEqual(detail, folded), id, 'saved state differs from the fold', () => [
          detail,
          folded,
        ]);
        const terminals = events.filter((event) => isTerminalEventType(event.type)).map((event) => event.id);
        this.expectThat(
          terminals.length === 0 || json(terminals) === json([events.length]),
          id,
          'terminal events',
          () => terminals,
        );
        if (before.status === 'running') {
          // The dead process ran it: recovery ended it before the server listened, and added only that.
          this.stats.interrupted++;
          const added = events
            .slice(before.lastSeq)
            .map((event) => [
              event.type,
              'agentName' in event.data ? event.data.agentName : null,
              'error' in event.data ? event.data.error : null,
            ]);
          const expected = [
            ...before.state.agents
              .filter((agent) => agent.status === 'running')
              .map((agent) => ['agent:failed', agent.agentName, 'interrupted']),
            ['workflow:failed', null, 'interrupted'],
          ];
          this.expectThat(json(added) === json(expected), id, 'recovery of a running workflow', () => added);
          this.expectThat(
            detail.status === 'failed' && detail.error === 'interrupted',
            id,
            'state after recovery',
            () => [detail.status, detail.error],
          );
        } else if (before.status === 'pending' && before.queuedAt !== null) {
          queued.push({ id, at: before.queuedAt });
        } else if (before.status === 'pending') {
          // Its `?start=true` was cut short by the crash before the start was stored: nobody may run it.
          this.expectThat(
            !this.acknowledged.has(id) && detail.status === 'pending' && events.length === 0,
            id,
            'an unstarted workflow changed',
            () => detail.status,
          );
        } else {
          this.expectThat(events.length === before.lastSeq, id, 'a finished workflow changed');
        }
        if (isTerminalStatus(detail.status)) finished.add(id);
      }),
    );
    this.endPhase('recovery');
    // What was queued runs now, oldest first: all slots are free, since nothing the dead process ran runs.
    queued.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : 1));
    const first = queued.slice(0, CONCURRENCY).map((item) => item.id);
    this.stats.requeued += first.length;
    const deadline = Date.now() + 10_000;
    for (const id of first) {
      while ((await this.api.get(id)).status === 'pending') {
        if (Date.now() > deadline)
          throw new Error(`seed ${this.seed}: queued ${id} did not start after the restart`);
        await sleep(50);
      }
    }
    return finished;
  }

  /**
   * Every follower resumes from the last id it saw (or opens fresh). Those of a finished workflow read to
   * the end, must have got exactly the events they lacked, and a resume from the end is then answered 204.
   */
  private async catchUp(finished: Set<string>): Promise<void> {
    const followers = [...this.followers.values()].filter((follower) => !follower.done);
    for (const follower of followers) this.open(follower);
    await Promise.all(
      followers
        .filter((follower) => finished.has(follower.workflowId))
        .map(async (follower) => {
          const id = follower.workflowId;
          const stored = await this.api.allEvents(id);
          for (let attempt = 0; attempt < 2 && !follower.done; attempt++) {
            const reader = follower.reader as SseReader;
            // The stream ends by itself SSE_CLOSE_GRACE_MS after the terminal event (or at once with 204).
            this.expectThat(await within(reader.done, 15_000), id, 'a finished stream did not end');
            this.check(follower, stored);
            if (follower.done) break;
            this.expectThat(follower.cursor === stored.length, id, 'did not read to the end', () => [
              follower.cursor,
              stored.length,
            ]);
            this.open(follower);
          }
          this.expectThat(follower.done, id, 'a resume from the end was not answered 204');
          this.settled.set(id, stored.length);
        }),
    );
    this.endPhase('catch-up');
  }

  /** A client resuming a finished workflow from a random earlier id (`?lastEventId=`) gets exactly the rest. */
  private async resumeFromTheMiddle(): Promise<void> {
    const settled = [...this.settled.keys()];
    if (settled.length === 0) return;
    const id = settled[Math.floor(this.random() * settled.length)];
    const last = this.settled.get(id) as number;
    const from = Math.floor(this.random() * last);
    const reader = this.api.stream(`/api/workflows/${id}/stream?lastEventId=${from}`);
    const [stored] = await Promise.all([this.api.allEvents(id), reader.done]);
    this.stats.resumed++;
    this.expectThat(reader.status === 200, id, `resume from ${from} answered`, () => reader.status);
    this.expectThat(
      json(reader.ids) === json(ids(last, from)),
      id,
      `ids resumed from ${from}`,
      () => reader.ids,
    );
    const got = reader.events.map((event) => `${event.event} ${event.data}`);
    const expected = stored.slice(from).map((event) => `${event.type} ${json(event.data)}`);
    this.expectThat(
      json(got) === json(expected),
      id,
      `events resumed from ${from} differ from the stored ones`,
    );
    this.endPhase('resume from the middle');
  }

  private async createAndFollow(): Promise<void> {
    const definition = TEMPLATES[Math.floor(this.random() * TEMPLATES.length)](++this.created);
    const workflow = await this.api.create(definition, true);
    this.acknowledged.add(workflow.id);
    this.follow(workflow.id, definition);
  }

  private follow(workflowId: string, definition: WorkflowDefinition): void {
    const follower: Follower = { workflowId, cursor: undefined, done: false };
    this.definitions.set(workflowId, definition);
    this.followers.set(workflowId, follower);
    this.open(follower);
  }

  /** Opens the follower's stream unless one is open already (it is still following a running workflow). */
  private open(follower: Follower): void {
    if (follower.reader || !this.server) return;
    const headers: Record<string, string> =
      follower.cursor === undefined ? {} : { 'Last-Event-ID': String(follower.cursor) };
    if (follower.cursor !== undefined) this.stats.resumed++;
    follower.openedAt = follower.cursor;
    follower.reader = this.server.stream(`/api/workflows/${follower.workflowId}/stream`, headers);
  }

  /** Most rounds also create a workflow or cancel one at a random moment, perhaps just as the kill lands. */
  private async extraAction(delayMs: number): Promise<void> {
    const pick = this.random();
    const cancellable = [...this.followers.values()].filter((follower) => !follower.done);
    const target = cancellable[Math.floor(this.random() * cancellable.length)];
    const definition = TEMPLATES[Math.floor(this.random() * TEMPLATES.length)](++this.created);
    await sleep(delayMs);
    try {
      if (pick < 0.4) {
        const response = await this.api.request<WorkflowDetail>(
          'POST',
          '/api/workflows?start=true',
          definition,
        );
        expect(response.status).toBe(201);
        this.acknowledged.add(response.body.id);
        this.follow(response.body.id, definition);
      } else if (pick < 0.8 && target) {
        const response = await this.api.request('POST', `/api/workflows/${target.workflowId}/cancel`);
        // 409: it had finished already.
        expect([202, 409]).toContain(response.status);
      }
    } catch (error) {
      // The kill landed first: no answer, so nothing may be assumed (Node's fetch: its own realm's TypeError).
      if ((error as Error).name !== 'TypeError') throw error;
    }
  }

  /** After a kill: the store as the crash left it, and every client checked against it. */
  private async afterDeath(): Promise<void> {
    const death = await readStore(this.store.databaseUrl, (workflow) => !this.settled.has(workflow.id));
    for (const [id, lastSeq] of this.settled) {
      this.expectThat(death.workflows.get(id)?.lastSeq === lastSeq, id, 'a finished workflow changed');
    }
    const running = [...death.workflows.values()].filter((row) => row.status === 'running');
    this.expectThat(running.length <= CONCURRENCY, '*', 'more running than WORKFLOW_CONCURRENCY', () =>
      running.map((row) => row.id),
    );
    for (const id of this.acknowledged) {
      const row = death.workflows.get(id);
      // An acknowledged start is durable: the workflow is queued, running or finished.
      this.expectThat(!!row && !(row.status === 'pending' && row.queuedAt === null), id, 'lost its start');
    }
    // Persist, then publish: a client cannot have seen an event the store lacks.
    for (const follower of this.followers.values()) {
      if (!follower.reader) continue;
      await follower.reader.done;
      this.check(follower, death.events.get(follower.workflowId) ?? []);
    }
    // A workflow created by a request the crash cut short gets a client too.
    for (const [id, row] of death.workflows) {
      if (this.followers.has(id)) continue;
      this.definitions.set(id, row.definition);
      this.followers.set(id, { workflowId: id, cursor: undefined, done: false });
    }
    this.death = death;
    this.endPhase('after the kill');
  }

  /**
   * What one reader got, against the stored events. A fresh one: a snapshot equal to the fold of the events
   * up to its id, then every later event. A resumed one: exactly the events after its cursor, no snapshot.
   * In order, no gap, no repeat, `data` byte for byte as stored. 204 only at the end of a finished workflow.
   */
  private check(follower: Follower, stored: StoredEvent[]): void {
    const reader = follower.reader as SseReader;
    follower.reader = undefined;
    const id = follower.workflowId;
    const opened = follower.openedAt;
    // 0: the kill came before the answer.
    this.expectThat([0, 200, 204].includes(reader.status), id, 'stream answered', () => reader.status);
    if (reader.status === 204) {
      this.expectThat(
        opened === stored.length && isTerminalEventType(stored[stored.length - 1]?.type ?? ''),
        id,
        '204 before the end',
        () => [opened, stored.length],
      );
      follower.done = true;
      return;
    }
    let events = reader.events;
    let next: number;
    if (opened === undefined) {
      const last = events.findIndex((event) => event.id !== undefined);
      if (last === -1) return; // cut before its snapshot was complete
      const snapshotId = Number(events[last].id);
      const types = events.slice(0, last + 1).map((event) => event.event);
      const expectedTypes = [
        'workflow:state',
        'agent:state',
        ...Array(Math.max(0, last - 1)).fill('log:created'),
      ];
      this.expectThat(json(types) === json(expectedTypes), id, 'snapshot', () => types);
      // The snapshot shows the saved state at its id: the fold of the stored events up to it.
      const state = JSON.parse(events[0].data) as WorkflowDetail;
      const seed = seedOf(id, this.definitions.get(id) as WorkflowDefinition, state.createdAt);
      const shown = [
        { type: 'workflow:state', data: state },
        { type: 'agent:state', id: snapshotId, data: JSON.parse(events[1].data) },
      ].reduce((view, event) => reduceWorkflow(view, event as StreamEvent), seed);
      const folded = foldWorkflow(seed, stored.slice(0, snapshotId));
      this.expectThat(isDeepStrictEqual(shown, folded), id, 'snapshot differs from the fold', () => [
        shown,
        folded,
      ]);
      follower.cursor = snapshotId;
      events = events.slice(last + 1);
      next = snapshotId + 1;
    } else {
      next = opened + 1;
    }
    for (const event of events) {
      const expected = stored[next - 1];
      const same =
        event.id === String(next) && event.event === expected?.type && event.data === json(expected.data);
      this.expectThat(same, id, `event ${next} differs from the stored one`, () => [
        event.id,
        event.event,
        event.data.slice(0, 300),
        stored.length,
      ]);
      if (!same) return;
      follower.cursor = next++;
    }
  }
}

async function runLoop(store: Store): Promise<CrashLoop['stats']> {
  const loop = new CrashLoop(store, SEED);
  try {
    for (let round = 0; round < ROUNDS; round++) await loop.crashRound();
    await loop.finalRound();
  } finally {
    await loop.killServer();
  }
  // The loop did what it is for: crashes interrupted runs, restarts ran queued ones, clients resumed.
  expect(loop.stats.interrupted).toBeGreaterThanOrEqual(ROUNDS);
  expect(loop.stats.requeued).toBeGreaterThan(0);
  expect(loop.stats.resumed).toBeGreaterThanOrEqual(ROUNDS);
  return loop.stats;
}

describe(`crash loop: ${ROUNDS} SIGKILLs under load, each followed by a restart on the same store (seed ${SEED})`, () => {
  it('on SQLite: no gap, saved state = fold, nothing left running, resumes get exactly what they lacked', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'flowcast-crash-'));
    try {
      await runLoop({ databaseUrl: `sqlite:${join(dataDir, 'flowcast.db')}`, dataDir, env: {} });
    } finally {
      removeDir(dataDir);
    }
  });

  it('on PostgreSQL: no gap, saved state = fold, nothing left running, resumes get exactly what they lacked', async () => {
    const database: TestDatabase = await createTestDatabase();
    const dataDir = mkdtempSync(join(tmpdir(), 'flowcast-crash-'));
    try {
      await runLoop({ databaseUrl: database.url, dataDir, env: { DATABASE_URL: database.url } });
    } finally {
      removeDir(dataDir);
      await database.drop();
    }
  });
});
