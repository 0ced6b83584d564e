import { formatDuration } from './duration';

describe('formatDuration', () => {
  it('shows a dash when the duration is not known yet', () => {
    expect(formatDuration(null)).toBe('—');
    expect(formatDuration(undefined)).toBe('—');
    expect(formatDuration(Number.NaN)).toBe('—');
  });

  it('shows milliseconds below one second', () => {
    expect(formatDuration(0)).toBe('0 ms');
    expect(formatDuration(850.4)).toBe('850 ms');
  });

  it('shows seconds with one decimal, dropping a trailing .0', () => {
    expect(formatDuration(1_500)).toBe('1.5 s');
    expect(formatDuration(12_000)).toBe('12 s');
    expect(formatDuration(59_940)).toBe('59.9 s');
  });

  it('shows minutes and seconds from one minute on', () => {
    expect(formatDuration(59_960)).toBe('1 min');
    expect(formatDuration(123_000)).toBe('2 min 3 s');
  });

  it('shows hours and minutes from one hour on', () => {
    expect(formatDuration(3_600_000)).toBe('1 h');
    expect(formatDuration(3_900_000)).toBe('1 h 5 min');
  });
});
