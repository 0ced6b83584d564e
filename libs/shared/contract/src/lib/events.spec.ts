import {
  isStoredEventType,
  isTerminalEventType,
  logLineCount,
  SNAPSHOT_EVENT_TYPES,
  STORED_EVENT_TYPES,
  TERMINAL_EVENT_TYPES,
} from './events';

describe('event type lists', () => {
  it('never stores the snapshot types or stream:reset', () => {
    for (const type of [...SNAPSHOT_EVENT_TYPES, 'stream:reset']) expect(isStoredEventType(type)).toBe(false);
  });

  it('stores every type of CONTRACT §5 that is not a snapshot or a reset', () => {
    expect([...STORED_EVENT_TYPES].sort()).toEqual(
      [
        'workflow:started',
        'workflow:running',
        'agent:started',
        'agent:progress',
        'agent:completed',
        'agent:failed',
        'workflow:completed',
        'workflow:failed',
        'workflow:cancelled',
        'budget:warning',
        'budget:exceeded',
        'log:created',
        'log:batch',
      ].sort(),
    );
  });

  it('treats exactly workflow:completed, :failed and :cancelled as terminal', () => {
    expect(STORED_EVENT_TYPES.filter(isTerminalEventType)).toEqual([...TERMINAL_EVENT_TYPES]);
    expect(TERMINAL_EVENT_TYPES).toEqual(['workflow:completed', 'workflow:failed', 'workflow:cancelled']);
    expect(isTerminalEventType('agent:failed')).toBe(false);
    expect(isTerminalEventType('workflow:')).toBe(false);
  });
});

describe('logLineCount', () => {
  const line = { level: 'info', message: 'm', timestamp: '2026-11-28T00:00:00.000Z' };

  it('counts one line for log:created', () => {
    expect(logLineCount({ type: 'log:created', data: line })).toBe(1);
  });

  it('counts every line of a log:batch', () => {
    expect(logLineCount({ type: 'log:batch', data: { lines: [line, line, line] } })).toBe(3);
    expect(logLineCount({ type: 'log:batch', data: { lines: [] } })).toBe(0);
  });

  it('counts no lines for any other event, even one whose payload has a message', () => {
    expect(
      logLineCount({ type: 'agent:progress', data: { agentName: 'a', message: 'm', level: 'info' } }),
    ).toBe(0);
    expect(logLineCount({ type: 'workflow:started', data: { name: 'n', totalSteps: 1 } })).toBe(0);
  });
});
