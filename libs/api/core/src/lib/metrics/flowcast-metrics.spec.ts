import { Logger } from '@nestjs/common';
import { register as globalRegistry } from 'prom-client';
import { FlowcastMetrics, METRICS_CONTENT_TYPE } from './flowcast-metrics';

/** The sample lines of one metric (`name{labels} value`), without HELP/TYPE. */
function samples(text: string, name: string): string[] {
  return text.split('\n').filter((line) => line.startsWith(`${name} `) || line.startsWith(`${name}{`));
}

describe('FlowcastMetrics', () => {
  let metrics: FlowcastMetrics;

  beforeEach(() => {
    metrics = new FlowcastMetrics();
  });
  afterEach(() => metrics.onModuleDestroy());

  it('answers in the Prometheus text format 0.0.4', () => {
    expect(metrics.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(METRICS_CONTENT_TYPE).toBe(metrics.contentType);
  });

  it('renders plain-number totals as counters, read on every scrape', async () => {
    const totals = { opened: 0, closed: { client: 0, slow: 0 } };
    metrics.counter('flowcast_test_opened_total', 'Streams opened.', () => totals.opened);
    metrics.labelledCounter('flowcast_test_closed_total', 'Streams closed.', 'reason', () => totals.closed);

    let text = await metrics.render();
    expect(text).toContain('# HELP flowcast_test_opened_total Streams opened.');
    expect(text).toContain('# TYPE flowcast_test_opened_total counter');
    expect(text).toContain('# TYPE flowcast_test_closed_total counter');
    expect(samples(text, 'flowcast_test_opened_total')).toEqual(['flowcast_test_opened_total 0']);
    expect(samples(text, 'flowcast_test_closed_total')).toEqual([
      'flowcast_test_closed_total{reason="client"} 0',
      'flowcast_test_closed_total{reason="slow"} 0',
    ]);

    totals.opened += 3;
    totals.closed.slow += 2;
    text = await metrics.render();
    expect(samples(text, 'flowcast_test_opened_total')).toEqual(['flowcast_test_opened_total 3']);
    expect(samples(text, 'flowcast_test_closed_total')).toContain(
      'flowcast_test_closed_total{reason="slow"} 2',
    );

    // A second scrape with nothing new reports the same totals (values are replaced, not added up).
    text = await metrics.render();
    expect(samples(text, 'flowcast_test_opened_total')).toEqual(['flowcast_test_opened_total 3']);
  });

  it('renders gauges, also from an asynchronous source, with a gauge TYPE line', async () => {
    let open = 5;
    metrics.gauge('flowcast_test_open', 'Open streams.', () => open);
    metrics.labelledGauge('flowcast_test_workflows', 'Workflows by status.', 'status', async () => ({
      running: 1,
      completed: 4,
    }));
    open = 2;
    const text = await metrics.render();
    expect(text).toContain('# TYPE flowcast_test_open gauge');
    expect(samples(text, 'flowcast_test_open')).toEqual(['flowcast_test_open 2']);
    expect(text).toContain('# TYPE flowcast_test_workflows gauge');
    expect(samples(text, 'flowcast_test_workflows')).toEqual([
      'flowcast_test_workflows{status="running"} 1',
      'flowcast_test_workflows{status="completed"} 4',
    ]);
  });

  it('still renders every other metric when one source fails', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    metrics.labelledGauge('flowcast_test_broken', 'Fails.', 'status', async () => {
      throw new Error('store is down');
    });
    metrics.counter('flowcast_test_fine_total', 'Works.', () => 7);
    const text = await metrics.render();
    expect(samples(text, 'flowcast_test_broken')).toEqual([]);
    expect(samples(text, 'flowcast_test_fine_total')).toEqual(['flowcast_test_fine_total 7']);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('flowcast_test_broken'));
    warn.mockRestore();
  });

  it('includes the default Node process metrics under the flowcast_ prefix', async () => {
    const text = await metrics.render();
    expect(text).toContain('# TYPE flowcast_process_cpu_user_seconds_total counter');
    expect(text).toContain('# TYPE flowcast_nodejs_heap_size_used_bytes gauge');
  });

  it('reports the event loop delay itself, not the sampling period, and resets it on every scrape', async () => {
    const value = (text: string, stat: string) =>
      Number(samples(text, `flowcast_nodejs_eventloop_lag_${stat}_seconds`)[0]?.split(' ')[1]);
    await metrics.render(); // starts a fresh window
    await new Promise((resolve) => setTimeout(resolve, 700));
    const idle = await metrics.render();
    // The raw histogram reads ≥ 0.2 s here (its 200 ms sampling period); the delay of an idle loop is small.
    expect(value(idle, 'p50')).toBeLessThan(0.1);
    expect(value(idle, 'min')).toBeGreaterThanOrEqual(0);
    // (Node drops the first interval after a reset, so block a little after the scrape.)
    await new Promise((resolve) => setTimeout(resolve, 450));
    const blockUntil = performance.now() + 350;
    while (performance.now() < blockUntil) {
      // a blocked event loop
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    const blocked = await metrics.render();
    expect(value(blocked, 'max')).toBeGreaterThanOrEqual(0.1);
    expect(value(blocked, 'max')).toBeLessThan(1);
    expect(samples(blocked, 'flowcast_nodejs_eventloop_lag_p99_seconds')).toHaveLength(1);
  });

  it('keeps its own registry: two instances in one process do not collide, the global one stays empty', async () => {
    const other = new FlowcastMetrics();
    try {
      metrics.counter('flowcast_test_shared_total', 'Same name twice.', () => 1);
      other.counter('flowcast_test_shared_total', 'Same name twice.', () => 2);
      expect(samples(await metrics.render(), 'flowcast_test_shared_total')).toEqual([
        'flowcast_test_shared_total 1',
      ]);
      expect(samples(await other.render(), 'flowcast_test_shared_total')).toEqual([
        'flowcast_test_shared_total 2',
      ]);
      expect(globalRegistry.getMetricsAsArray()).toEqual([]);
    } finally {
      other.onModuleDestroy();
    }
  });

  it('refuses names that break the Prometheus naming rules', () => {
    expect(() => metrics.counter('flowcast_test_opened', 'No _total.', () => 0)).toThrow(/_total/);
    expect(() => metrics.gauge('flowcast_test_open_total', 'A gauge.', () => 0)).toThrow(/_total/);
    expect(() => metrics.gauge('test_open', 'No prefix.', () => 0)).toThrow(/flowcast_/);
    expect(() => metrics.gauge('flowcast_Test-open', 'Bad characters.', () => 0)).toThrow(/snake_case/);
  });
});
