import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { removeDir } from '@flowcast/testing-e2e';

/** The figures the soak compares, as tools/soak/src/soak.mjs writes them. */
interface Figures {
  rss: number;
  heapUsed: number;
  fds: number;
  channels: number;
  timers: number;
  handles: number;
  streams: number;
  resources: Record<string, number>;
}

interface SoakResult {
  ok: boolean;
  options: { cycles: number; rssTolerance: number; heapTolerance: number };
  checks: { name: string; ok: boolean; detail: string }[];
  /** Right after boot; the baseline is taken after a warm-up with the same load. */
  boot: Figures;
  baseline: Figures;
  end: Figures;
  soak: {
    cycles: number;
    stats: {
      logsVerified: number;
      wholeLogs: number;
      eventsChecked: number;
      received: number;
      mismatches: number;
      stalled: number;
      stalledCut: number;
      resumes: number;
      errorCount: number;
      errors: string[];
    };
  };
  delta: { slowDropped: number; closedLifetime: number };
}

const ROOT = resolve(__dirname, '../../..');
const MB = 1_048_576;

/**
 * The short version of `npm run soak` (docs/reliability.md): the same driver, against the built server in
 * its own process, for 20 s and 300 connect/read/disconnect/resume cycles instead of 10 minutes and 10,000.
 */
describe('soak (short)', () => {
  let result: SoakResult;
  let output = '';
  let exitCode: number | null = null;
  const dir = mkdtempSync(join(tmpdir(), 'flowcast-soak-spec-'));

  beforeAll(async () => {
    const file = join(dir, 'soak.json');
    const child = spawn(
      process.execPath,
      [
        join(ROOT, 'tools/soak/src/soak.mjs'),
        '--duration=20',
        '--cycles=300',
        '--lanes=16',
        '--stalled-every=12',
        `--json=${file}`,
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    exitCode = await new Promise((resolveExit) => child.once('exit', (code) => resolveExit(code)));
    result = JSON.parse(readFileSync(file, 'utf8')) as SoakResult;
  }, 240_000);
  afterAll(() => removeDir(dir));

  it('passes every check of the driver and exits 0', () => {
    expect({ failed: result.checks.filter((check) => !check.ok), exitCode }).toEqual({
      failed: [],
      exitCode: 0,
    });
    expect(result.ok).toBe(true);
    expect(output).toContain('| client logs equal the store | yes |');
  });

  it('runs every cycle, and each client log equals the store with no gap and no repeat', () => {
    const stats = result.soak.stats;
    expect(result.soak.cycles).toBeGreaterThanOrEqual(300);
    expect(stats.resumes).toBeGreaterThan(150);
    expect(stats.logsVerified).toBeGreaterThan(20);
    expect(stats.wholeLogs).toBeGreaterThan(0);
    expect(stats.eventsChecked).toBeGreaterThan(1_000);
    expect(stats.received).toBe(stats.eventsChecked);
    expect({ mismatches: stats.mismatches, errors: stats.errors }).toEqual({ mismatches: 0, errors: [] });
  });

  it('cuts off every client that stops reading as too slow', () => {
    const stats = result.soak.stats;
    expect(stats.stalled).toBeGreaterThan(0);
    expect(stats.stalledCut).toBe(stats.stalled);
    expect(result.delta.slowDropped).toBeGreaterThanOrEqual(stats.stalled);
  });

  it('ends with streams, hub channels, timers, handles and open fds at their baseline, as after boot', () => {
    const pick = (figures: Figures) => ({
      streams: figures.streams,
      channels: figures.channels,
      timers: figures.timers,
      handles: figures.handles,
      fds: figures.fds,
    });
    expect(pick(result.end)).toEqual(pick(result.baseline));
    expect(pick(result.baseline)).toEqual(pick(result.boot));
    expect(result.end.resources).toEqual(result.baseline.resources);
    expect(result.end.streams).toBe(0);
    expect(result.end.channels).toBe(0);
  });

  it('ends with heap and RSS (after a full GC) within their tolerance of the baseline', () => {
    expect(result.end.heapUsed).toBeLessThanOrEqual(
      result.baseline.heapUsed + result.options.heapTolerance * MB,
    );
    expect(result.end.rss).toBeLessThanOrEqual(result.baseline.rss + result.options.rssTolerance * MB);
  });
});
