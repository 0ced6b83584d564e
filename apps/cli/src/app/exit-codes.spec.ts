import { ExitCode, exitCodeForStatus } from './exit-codes';

describe('exitCodeForStatus', () => {
  it('maps each outcome to its exit code', () => {
    expect(exitCodeForStatus('completed')).toBe(0);
    expect(exitCodeForStatus('failed')).toBe(1);
    expect(exitCodeForStatus('cancelled')).toBe(2);
  });

  it('treats a workflow that has not finished as an error, not an outcome', () => {
    expect(exitCodeForStatus('running')).toBe(ExitCode.error);
    expect(exitCodeForStatus('pending')).toBe(ExitCode.error);
  });
});
