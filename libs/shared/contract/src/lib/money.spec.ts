import { fromMicros, toMicros } from './money';

describe('money in micro-dollars', () => {
  it('adds exactly where floating point does not', () => {
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(fromMicros(toMicros(0.1) + toMicros(0.2))).toBe(0.3);
    expect(fromMicros(toMicros(1.25) + toMicros(1.25))).toBe(2.5);
    const sevenths = Array.from(
      { length: 7 },
      (_, step) => Math.floor((1_250_000 * (step + 1)) / 7) - Math.floor((1_250_000 * step) / 7),
    );
    expect(fromMicros(sevenths.reduce((sum, micros) => sum + micros, 0))).toBe(1.25);
  });

  it('rounds dollars to the nearest micro-dollar and back to the nearest double', () => {
    expect(toMicros(0.0000014)).toBe(1);
    expect(toMicros(0.0000016)).toBe(2);
    expect(toMicros(12.345678)).toBe(12_345_678);
    expect(fromMicros(12_345_678)).toBe(12.345678);
  });
});
