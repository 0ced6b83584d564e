// What runs on the server during the soak: a steady set of workflows (simulated, shell and mixed steps with
// steady output; some fail, some exceed their budget, some are cancelled), each replaced by a new one as it
// ends, and the floods that the stalled clients are put on.
import { sleep } from './flowcast-server.mjs';

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

/** A seeded PRNG (mulberry32): a run can be repeated with --seed. */
export function random(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  next.int = (min, max) => min + Math.floor(next() * (max - min + 1));
  next.pick = (items) => items[Math.floor(next() * items.length)];
  return next;
}

function simulated(rng, name, extra = {}) {
  return {
    name,
    role: 'developer',
    prompt: `soak step ${name}`,
    runner: {
      type: 'simulated',
      durationMs: rng.int(2_000, 8_000),
      progressMessages: rng.int(5, 40),
      cost: rng.int(1, 50) / 100,
      ...extra,
    },
  };
}

/**
 * A shell step printing `lines` lines, one every `intervalS` seconds, some on stderr, with non-ASCII text
 * (multi-byte UTF-8 across chunk boundaries). No fork per line: the pause is a `read -t` on a pipe nobody
 * writes to.
 */
function shell(name, lines, intervalS, exitCode = 0) {
  const script =
    `exec 3<> <(:); i=0; while [ $i -lt ${lines} ]; do ` +
    `printf 'soak %s line %d: façade ✓ 😀 "quoted" \\\\ back\\n' "${name}" $i; ` +
    `if [ $((i % 7)) -eq 3 ]; then printf 'warning %d\\n' $i >&2; fi; ` +
    `read -t ${intervalS} -u 3; i=$((i+1)); done; exit ${exitCode}`;
  return {
    name,
    role: 'shell',
    prompt: `print ${lines} lines`,
    runner: { type: 'shell', command: 'bash', args: ['-c', script] },
  };
}

/** The next workflow of the steady load: its definition, and after how long to cancel it (or null). */
export function nextWorkflow(rng, n) {
  const kind = rng();
  const name = `soak-${n}`;
  if (kind < 0.35) {
    const agents = Array.from({ length: rng.int(1, 3) }, (_, i) => simulated(rng, `sim-${i}`));
    const cost = agents.reduce((sum, agent) => sum + agent.runner.cost, 0);
    // A third run under a budget that they may pass (budget:warning, budget:exceeded, then failed).
    const budgetLimit =
      rng() < 0.33 ? Math.max(0.01, Math.round(cost * (0.6 + rng() * 0.8) * 100) / 100) : undefined;
    return { kind: 'simulated', cancelAfterMs: null, definition: { name, budgetLimit, agents } };
  }
  if (kind < 0.65) {
    const failing = rng() < 0.15;
    return {
      kind: 'shell',
      cancelAfterMs: null,
      definition: {
        name,
        agents: [shell('sh', rng.int(20, 120), rng.pick([0.05, 0.1, 0.2]), failing ? 3 : 0)],
      },
    };
  }
  if (kind < 0.85) {
    return {
      kind: 'mixed',
      cancelAfterMs: null,
      definition: {
        name,
        maxIterations: rng.int(1, 2),
        agents: [simulated(rng, 'plan'), shell('build', rng.int(10, 60), 0.1), simulated(rng, 'review')],
      },
    };
  }
  if (kind < 0.9) {
    return {
      kind: 'failing',
      cancelAfterMs: null,
      definition: { name, agents: [simulated(rng, 'ok'), simulated(rng, 'broken', { fail: true })] },
    };
  }
  if (kind < 0.95) {
    // Seconds without an event: the streams' heartbeats.
    return {
      kind: 'quiet',
      cancelAfterMs: null,
      definition: { name, agents: [simulated(rng, 'thinking', { durationMs: 9_000, progressMessages: 2 })] },
    };
  }
  return {
    kind: 'cancelled',
    cancelAfterMs: rng.int(1_500, 6_000),
    definition: {
      name,
      agents: [simulated(rng, 'long', { durationMs: 30_000, progressMessages: 60 }), shell('never', 5, 0.1)],
    },
  };
}

/** A shell step that prints `lines` lines of about 100 bytes as fast as `seq` can (stored as log:batch). */
export function floodWorkflow(name, lines) {
  const format = `${name} flood line %08g ${'x'.repeat(70)}`;
  return {
    name,
    agents: [
      {
        name: 'flood',
        role: 'flood',
        prompt: 'flood',
        runner: { type: 'shell', command: 'seq', args: ['-f', format, '1', String(lines)] },
      },
    ],
  };
}

/**
 * Keeps `concurrent` workflows of the steady load running: polls their statuses (one list request) and
 * starts a new one for each that ended, until `stop()`. Floods are tracked here too, but not replaced.
 */
export class Workload {
  /** id → { kind, status } of every workflow not yet seen ended. */
  active = new Map();
  /** Final statuses of the workflows this workload saw end, by kind and status. */
  ended = {};
  started = 0;
  stopped = false;
  errors = [];
  refreshing = null;

  constructor(server, rng, concurrent) {
    this.server = server;
    this.rng = rng;
    this.concurrent = concurrent;
  }

  /** Ids of running workflows of the steady load (what the cycling clients watch). */
  running() {
    const ids = [];
    for (const [id, entry] of this.active) if (entry.kind !== 'flood') ids.push(id);
    return ids;
  }

  async create(definition, kind, start) {
    const created = await this.server.api('POST', `/api/workflows${start ? '?start=true' : ''}`, definition);
    if (created.status !== 201)
      throw new Error(`create answered ${created.status}: ${JSON.stringify(created.body)}`);
    this.active.set(created.body.id, { kind, status: created.body.status });
    this.started++;
    return created.body.id;
  }

  async run() {
    while (!this.stopped) {
      try {
        await this.refresh();
        let steady = this.running().length;
        while (!this.stopped && steady < this.concurrent) {
          const { kind, cancelAfterMs, definition } = nextWorkflow(this.rng, this.started);
          const id = await this.create(definition, kind, true);
          steady++;
          if (cancelAfterMs !== null) void this.cancelLater(id, cancelAfterMs);
        }
      } catch (error) {
        this.errors.push(`workload: ${error.message}`);
      }
      await sleep(300);
    }
  }

  async cancelLater(id, ms) {
    await sleep(ms);
    const answer = await this.server.api('POST', `/api/workflows/${id}/cancel`);
    // 409: it ended on its own meanwhile (it cannot, by its definition, but a budget or a shutdown could).
    if (answer.status !== 202 && answer.status !== 409)
      this.errors.push(`cancel of ${id} answered ${answer.status}`);
  }

  /** Reads the statuses of the active workflows; those that ended leave `active`. One read at a time. */
  refresh() {
    this.refreshing ??= this.readStatuses().finally(() => (this.refreshing = null));
    return this.refreshing;
  }

  async readStatuses() {
    if (this.active.size === 0) return;
    const list = await this.server.api('GET', '/api/workflows?limit=200');
    if (list.status !== 200) throw new Error(`list answered ${list.status}`);
    const statuses = new Map(list.body.items.map((item) => [item.id, item.status]));
    for (const [id, entry] of this.active) {
      const status = statuses.get(id);
      if (status === undefined) {
        const one = await this.server.api('GET', `/api/workflows/${id}`);
        if (one.status !== 200) throw new Error(`workflow ${id} answered ${one.status}`);
        entry.status = one.body.status;
      } else entry.status = status;
      if (TERMINAL.has(entry.status)) {
        this.active.delete(id);
        const byKind = (this.ended[entry.kind] ??= {});
        byKind[entry.status] = (byKind[entry.status] ?? 0) + 1;
      }
    }
  }

  /** Stops starting workflows and waits until every one started has ended. */
  async drain(timeoutMs) {
    this.stopped = true;
    const deadline = performance.now() + timeoutMs;
    while (this.active.size > 0) {
      if (performance.now() > deadline)
        throw new Error(`${this.active.size} workflows still running after the drain`);
      await sleep(250);
      await this.refresh();
    }
  }
}
