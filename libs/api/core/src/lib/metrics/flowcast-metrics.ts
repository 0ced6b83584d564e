import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';

export const METRICS_PREFIX = 'flowcast_';

/** How often the event loop's delay is sampled: rarely enough to cost nothing on an idle server. */
const LOOP_DELAY_SAMPLE_MS = 200;

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

  private readonly loopDelay: IntervalHistogram;

  constructor() {
    collectDefaultMetrics({
      // Its loop-delay gauges are replaced below; sample its own monitor rarely.
      eventLoopMonitoringPrecision: 1_000,
      register: this.registry,
      prefix: METRICS_PREFIX,
    });
    this.loopDelay = this.replaceLoopDelayGauges();
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
    this.loopDelay.disable();
    this.registry.clear();
  }

  /**
   * Node's loop-delay histogram records each interval between its samples, i.e. the sampling period plus
   * the delay: with prom-client's gauges, an idle loop sampled every 200 ms (cheap) reads as 200 ms of lag.
   * The same gauges (`nodejs_eventloop_lag_{min,max,mean,stddev,p50,p90,p99}_seconds`) are defined here
   * with the period taken off, so they read the delay itself; reset on every scrape, like prom-client's.
   */
  private replaceLoopDelayGauges(): IntervalHistogram {
    const histogram = monitorEventLoopDelay({ resolution: LOOP_DELAY_SAMPLE_MS });
    histogram.enable();
    const delay = (nanoseconds: number) =>
      Number.isFinite(nanoseconds) ? Math.max(0, nanoseconds / 1e9 - LOOP_DELAY_SAMPLE_MS / 1e3) : 0;
    const reads: [string, () => number][] = [
      ['min', () => delay(histogram.min)],
      ['max', () => delay(histogram.max)],
      ['mean', () => delay(histogram.mean)],
      ['stddev', () => (Number.isFinite(histogram.stddev) ? histogram.stddev / 1e9 : 0)],
      ['p50', () => delay(histogram.percentile(50))],
      ['p90', () => delay(histogram.percentile(90))],
      ['p99', () => delay(histogram.percentile(99))],
    ];
    const names = reads.map(([stat]) => `${METRICS_PREFIX}nodejs_eventloop_lag_${stat}_seconds`);
    for (const name of names) this.registry.removeSingleMetric(name);
    const last = names.length - 1;
    reads.forEach(([stat, read], index) => {
      new Gauge({
        name: names[index],
        help: `The ${stat} event loop delay in seconds since the last scrape (sampled every ${LOOP_DELAY_SAMPLE_MS} ms).`,
        registers: [this.registry],
        collect() {
          this.set(read());
          if (index === last) histogram.reset();
        },
      });
    });
    return histogram;
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
