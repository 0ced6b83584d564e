import { backoffDelay } from './backoff';

describe('backoffDelay', () => {
  it('doubles from about a second up to 30 s', () => {
    const middle = () => 0.5;
    expect([1, 2, 3, 4, 5, 6, 7].map((attempt) => backoffDelay(attempt, middle))).toEqual([
      1000, 2000, 4000, 8000, 16000, 30000, 30000,
    ]);
  });

  it('jitters by a quarter either way', () => {
    expect(backoffDelay(2, () => 0)).toBe(1500);
    expect(backoffDelay(2, () => 0.999999)).toBe(2500);
  });
});
