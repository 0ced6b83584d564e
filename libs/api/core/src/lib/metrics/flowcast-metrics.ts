import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';

export const METRICS_PREFIX = 'flowcast_';

/** `text/plain; version=0.0.4; charset=utf-8`: the Prometheus text exposition format the registry renders. */
export const METRICS_CONTENT_TYPE: string = Registry.PROMETHEUS_CONTENT_TYPE;

/** Values per label value, e.g. `{ completed: 3, failed: 1 }` for a `status` label. */
export type LabelledValues = Readonly<Record<string, number>>;

type Source<T> = () => T | Promise<T>;

/**
 * The process's Prometheus registry (CONTRACT §6): default Node process metrics plus what other modules
 * register here. Its own Registry, not prom-client's global one, so that two apps in one process (tests)
 * never collide.
 *
 * Every metric is read on scrape from a plain number its owner keeps: hot paths (a write to each of
 * thousands of streams) only do `n++`, never a prom-client call. Core knows no sources; the modules that
 * own them register them (feature → core, never the reverse).
 */
@Injectable()
export class FlowcastMetrics implements OnModuleDestroy {
  private readonly logger = new Logger(FlowcastMetrics.name);
  private readonly registry = new Registry();

  constructor() {
    collectDefaultMetrics({
      eventLoopMonitoringPrecision: 200,
      register: this.registry,
      prefix: METRICS_PREFIX,
    });
  }

  /** METRICS_CONTENT_TYPE. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** Collects every metric and renders the exposition text. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  /**
   * A monotonic total kept by its owner. A real prom-client Counter (so the exposition says
   * `# TYPE … counter`) whose value is reset to the owner's total on each scrape: stateless, exact, and a
   * restart that starts the total again from 0 reads as an ordinary counter reset.
   */
  counter(name: string, help: string, read: Source<number>): void {
    this.define('counter', name, help, undefined, async () => ({ '': await read() }));
  }

  /** As counter(), one series per label value (every value the source returns, zeros included). */
  labelledCounter(name: string, help: string, label: string, read: Source<LabelledValues>): void {
    this.define('counter', name, help, label, read);
  }

  /** A value that may go up and down, read on scrape. */
  gauge(name: string, help: string, read: Source<number>): void {
    this.define('gauge', name, help, undefined, async () => ({ '': await read() }));
  }

  /** As gauge(), one series per label value. */
  labelledGauge(name: string, help: string, label: string, read: Source<LabelledValues>): void {
    this.define('gauge', name, help, label, read);
  }

  onModuleDestroy(): void {
    this.registry.clear();
  }

  private define(
    type: 'counter' | 'gauge',
    name: string,
    help: string,
    label: string | undefined,
    read: Source<LabelledValues>,
  ): void {
    assertName(name, type);
    const logger = this.logger;
    /** Reads the source, then replaces every series with what it returned. */
    async function collect(this: Counter<string> | Gauge<string>): Promise<void> {
      let values: LabelledValues;
      try {
        values = await read();
      } catch (error) {
        // One unreadable source (the store is down) must not cost the operator every other metric.
        this.reset();
        logger.warn(`Could not collect ${name}: ${(error as Error).message}`);
        return;
      }
      this.reset();
      for (const [value, amount] of Object.entries(values)) {
        const labels = label === undefined ? {} : { [label]: value };
        if (this instanceof Counter) this.inc(labels, amount);
        else this.set(labels, amount);
      }
    }
    const config = {
      name,
      help,
      labelNames: label === undefined ? [] : [label],
      registers: [this.registry],
      collect,
    };
    if (type === 'counter') new Counter<string>(config);
    else new Gauge<string>(config);
  }
}

function assertName(name: string, type: 'counter' | 'gauge'): void {
  if (!name.startsWith(METRICS_PREFIX) || !/^[a-z_][a-z0-9_]*$/.test(name)) {
    throw new Error(`metric ${name} must be snake_case and start with ${METRICS_PREFIX}`);
  }
  // Prometheus naming: a counter ends in _total, and nothing else does.
  if ((type === 'counter') !== name.endsWith('_total')) {
    throw new Error(`metric ${name}: only counters end in _total`);
  }
}
