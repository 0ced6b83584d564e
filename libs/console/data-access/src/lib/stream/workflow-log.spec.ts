import type { WorkflowLogItem, WorkflowLogsResponse } from '@flowcast/shared-contract';
import { EARLIER_PAGE_LINES, type LogEntry, WorkflowLog } from './workflow-log';

const TS = '2026-12-04T10:00:00.000Z';

/** A stored log of `events` events with `perEvent` lines each, ids 1…; `before` pages as the server does. */
function storedLog(events: number, perEvent: number) {
  const items: WorkflowLogItem[] = [];
  for (let id = 1; id <= events; id++) {
    for (let index = 0; index < perEvent; index++)
      items.push({
        id,
        index,
        level: 'info',
        message: `line ${id}.${index}`,
        timestamp: TS,
        agentName: 'dev',
      });
  }
  const asked: number[] = [];
  const fetch = jest.fn(async (before: number, limit: number): Promise<WorkflowLogsResponse> => {
    asked.push(before);
    const older = items.filter((item) => item.id < before);
    // Whole events, newest first, up to `limit` lines (at least one event).
    const page: WorkflowLogItem[] = [];
    for (let id = older.length > 0 ? older[older.length - 1].id : 0; id >= 1; id--) {
      const lines = older.filter((item) => item.id === id);
      if (page.length > 0 && page.length + lines.length > limit) break;
      page.unshift(...lines);
    }
    return { items: page };
  });
  return { items, fetch, asked };
}

function snapshotLines(count: number, snapshotId: number): LogEntry[] {
  return Array.from({ length: count }, (_, n) => ({
    key: `snapshot:${snapshotId}:${n}`,
    level: 'info' as const,
    message: `snap ${n}`,
    timestamp: TS,
  }));
}

const keys = (log: WorkflowLog) => log.lines().map((line) => line.key);

describe('WorkflowLog', () => {
  it('replaces a full snapshot’s lines with the same lines read back with their ids', async () => {
    const { fetch } = storedLog(100, 1);
    const log = new WorkflowLog(fetch);
    log.replaceWithSnapshot(snapshotLines(50, 100), 100);
    expect(log.loadingEarlier()).toBe(true);
    // A live line arrives while the page is on its way: it stays after the page.
    log.append([{ key: '101:0', level: 'warn', message: 'live', timestamp: TS }]);
    await flush();

    expect(fetch).toHaveBeenCalledWith(101, EARLIER_PAGE_LINES);
    expect(log.lines()).toHaveLength(101);
    expect(log.lines()[0]).toEqual({
      key: '1:0',
      level: 'info',
      message: 'line 1.0',
      timestamp: TS,
      agentName: 'dev',
    });
    expect(keys(log).at(-2)).toBe('100:0');
    expect(keys(log).at(-1)).toBe('101:0');
    expect(log.loadingEarlier()).toBe(false);
    expect(log.atStart()).toBe(false);

    // Nothing earlier: the next page is empty, and the log knows it begins at the start.
    await log.loadEarlier();
    expect(log.atStart()).toBe(true);
    expect(log.canLoadEarlier()).toBe(false);
  });

  it('asks for nothing when the snapshot holds fewer lines than a snapshot carries: that is the whole log', async () => {
    const { fetch } = storedLog(10, 1);
    const log = new WorkflowLog(fetch);
    log.replaceWithSnapshot(snapshotLines(10, 10), 10);
    await flush();
    expect(fetch).not.toHaveBeenCalled();
    expect(log.atStart()).toBe(true);
    expect(log.lines()).toHaveLength(10);
  });

  it('pages back a whole event at a time until it reaches the first line', async () => {
    const { fetch, items } = storedLog(30, 300);
    const log = new WorkflowLog(fetch);
    log.replaceWithSnapshot(snapshotLines(50, 30), 30);
    await flush();
    // 1,000 lines asked: three events of 300.
    expect(log.lines()).toHaveLength(900);
    expect(keys(log)[0]).toBe('28:0');
    while (log.canLoadEarlier()) await log.loadEarlier();
    expect(log.lines().map((line) => line.message)).toEqual(items.map((item) => item.message));
    expect(log.atStart()).toBe(true);
  });

  it('never holds more than its capacity, reading back only what fits', async () => {
    const { fetch } = storedLog(20, 100);
    const log = new WorkflowLog(fetch, 1_050);
    log.replaceWithSnapshot(snapshotLines(50, 20), 20);
    await flush();
    expect(log.lines()).toHaveLength(1_000);
    await log.loadEarlier();
    expect(log.lines()).toHaveLength(1_050);
    expect(keys(log)[0]).toBe('10:50');
    expect(log.canLoadEarlier()).toBe(false);
    await log.loadEarlier();
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  it('drops the oldest lines as new ones arrive beyond its capacity', () => {
    const log = new WorkflowLog(null, 3);
    const line = (n: number): LogEntry => ({
      key: `${n}:0`,
      level: 'info',
      message: String(n),
      timestamp: TS,
    });
    log.append([line(1), line(2)]);
    const seen = log.lines();
    log.append([line(3), line(4), line(5)]);
    expect(keys(log)).toEqual(['3:0', '4:0', '5:0']);
    // What was handed out before stays as it was.
    expect(seen.map((entry) => entry.key)).toEqual(['1:0', '2:0']);
  });

  it('ignores a page that answers after a newer snapshot replaced the log', async () => {
    let answer: (page: WorkflowLogsResponse) => void = () => undefined;
    const fetch = jest.fn(() => new Promise<WorkflowLogsResponse>((resolve) => (answer = resolve)));
    const log = new WorkflowLog(fetch);
    log.replaceWithSnapshot(snapshotLines(50, 100), 100);
    const first = answer;
    log.replaceWithSnapshot(snapshotLines(50, 200), 200);
    first({ items: [{ id: 1, index: 0, level: 'info', message: 'stale', timestamp: TS }] });
    await flush();
    expect(log.lines().every((line) => line.key.startsWith('snapshot:200:'))).toBe(true);
    expect(log.loadingEarlier()).toBe(true);
  });

  it('keeps the snapshot’s lines when reading back fails, and can try again', async () => {
    const fetch = jest.fn().mockRejectedValueOnce(new Error('offline'));
    const log = new WorkflowLog(fetch);
    log.replaceWithSnapshot(snapshotLines(50, 100), 100);
    await flush();
    expect(log.lines()).toHaveLength(50);
    expect(log.loadingEarlier()).toBe(false);
    expect(log.canLoadEarlier()).toBe(true);
  });
});

async function flush(): Promise<void> {
  for (let n = 0; n < 5; n++) await Promise.resolve();
}
