import { succeedsWithin } from './succeeds-within';

describe('succeedsWithin', () => {
  const after = (ms: number, outcome: 'fulfil' | 'reject') =>
    new Promise((resolve, reject) =>
      setTimeout(() => (outcome === 'fulfil' ? resolve('done') : reject(new Error('down'))), ms),
    );

  it('is true when the work fulfils in time', async () => {
    await expect(succeedsWithin(after(5, 'fulfil'), 500)).resolves.toBe(true);
  });

  it('is false when the work rejects, without rejecting itself', async () => {
    await expect(succeedsWithin(after(5, 'reject'), 500)).resolves.toBe(false);
  });

  it('is false at the deadline when the work takes longer, and ignores a late failure', async () => {
    const started = Date.now();
    await expect(succeedsWithin(after(300, 'reject'), 30)).resolves.toBe(false);
    expect(Date.now() - started).toBeLessThan(250);
    await new Promise((resolve) => setTimeout(resolve, 300)); // the late rejection is handled: no unhandled one
  });
});
