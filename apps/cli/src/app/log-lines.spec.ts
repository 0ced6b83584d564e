import { formatLogLine, logItemsOf } from './log-lines';

const workflowId = 'wf_AAAAAAAAAAAAAAAA';
const ts = '2026-01-01T00:00:00.000Z';

describe('log lines', () => {
  it('gives the lines of a log:created and a log:batch as the logs endpoint does', () => {
    expect(
      logItemsOf({
        id: 3,
        type: 'log:created',
        data: { level: 'info', message: 'a', timestamp: ts, workflowId, ts },
      }),
    ).toEqual([{ id: 3, index: 0, level: 'info', message: 'a', timestamp: ts }]);
    expect(
      logItemsOf({
        id: 4,
        type: 'log:batch',
        data: {
          agentName: 'dev',
          lines: [
            { level: 'info', message: 'b', timestamp: ts },
            { level: 'debug', message: 'c', timestamp: ts },
          ],
          workflowId,
          ts,
        },
      }),
    ).toEqual([
      { id: 4, index: 0, level: 'info', message: 'b', timestamp: ts, agentName: 'dev' },
      { id: 4, index: 1, level: 'debug', message: 'c', timestamp: ts, agentName: 'dev' },
    ]);
    expect(logItemsOf({ id: 5, type: 'workflow:running', data: { totalCost: 1, workflowId, ts } })).toEqual(
      [],
    );
  });

  it('keeps one stored line on one printed line', () => {
    expect(formatLogLine({ id: 1, index: 0, level: 'warn', message: 'a\r\nb\\n', timestamp: ts })).toBe(
      `${ts} WARN  a\\nb\\\\n`,
    );
  });
});
