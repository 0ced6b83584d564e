import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import type { RunnerContext } from './agent-runner';
import { guardGroup } from './group-guard';

export interface ChildOptions {
  command: string;
  args: string[];
  cwd?: string;
  env: NodeJS.ProcessEnv;
  /** Killed and reported as timed out after this long. */
  timeoutMs?: number;
  /** Grace between SIGTERM and SIGKILL. */
  killGraceMs?: number;
}

export interface ChildOutcome {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** Stopped because the context's signal was aborted (cancel, budget, shutdown). */
  aborted: boolean;
}

/** Environment variables a child may inherit from the server; everything else (secrets included) is dropped. */
export const INHERITED_ENV = [
  'PATH',
  'HOME',
  'LANG',
  'LC_ALL',
  'LC_CTYPE',
  'TZ',
  'TMPDIR',
  'USER',
  'LOGNAME',
  'SHELL',
  'TERM',
];

export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const name of INHERITED_ENV) if (process.env[name] !== undefined) env[name] = process.env[name];
  return { ...env, ...extra };
}

/**
 * Runs a command in its own process group (no shell), hands every stdout and stderr line to the callbacks,
 * each stream decoded as UTF-8 as a whole (invalid bytes become U+FFFD, a character split across reads is
 * joined) and split at LF, CRLF and lone CR (docs/workflows.md, "Shell steps"),
 * and pauses reading while the run's output backlog is full. Abort, timeout and even a normal exit end
 * with the whole group being signalled (SIGTERM, then SIGKILL after the grace), so no child it forked
 * outlives it; should the server itself die, a guard ends the group (see guardGroup).
 */
export function runChild(
  options: ChildOptions,
  context: Pick<RunnerContext, 'signal' | 'capacity'>,
  onStdout: (line: string) => void,
  onStderr: (line: string) => void,
): Promise<ChildOutcome> {
  const grace = options.killGraceMs ?? 5_000;
  return new Promise<ChildOutcome>((resolve, reject) => {
    if (context.signal.aborted) {
      resolve({ exitCode: null, signal: null, timedOut: false, aborted: true });
      return;
    }
    const child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const guard = child.pid === undefined ? undefined : guardGroup(child.pid, Math.ceil(grace / 1_000));
    let timedOut = false;
    let aborted = false;
    let killTimer: NodeJS.Timeout | undefined;
    const killGroup = (signal: NodeJS.Signals) => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, signal);
      } catch {
        // ESRCH: the group is already gone.
      }
    };
    const terminate = () => {
      killGroup('SIGTERM');
      killTimer ??= setTimeout(() => killGroup('SIGKILL'), grace);
    };
    const onAbort = () => {
      aborted = true;
      terminate();
    };
    context.signal.addEventListener('abort', onAbort, { once: true });
    const timeout =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            terminate();
          }, options.timeoutMs);

    const pump = (stream: Readable, onLine: (line: string) => void) =>
      readLines(stream, (line) => {
        onLine(line);
        // Stop reading while the output has not been stored: the pipe fills and the child blocks on write.
        const ready = context.capacity();
        let settled = false;
        void ready.then(() => (settled = true));
        queueMicrotask(() => {
          if (settled) return;
          stream.pause();
          void ready.then(() => stream.resume());
        });
      });
    const reading = Promise.all([pump(child.stdout, onStdout), pump(child.stderr, onStderr)]);

    child.once('error', (error) => {
      guard?.release();
      clearTimeout(timeout);
      context.signal.removeEventListener('abort', onAbort);
      reject(error);
    });
    child.once('exit', (exitCode, signal) => {
      clearTimeout(timeout);
      context.signal.removeEventListener('abort', onAbort);
      // The leader is gone; anything it left running in its group goes too.
      killGroup('SIGTERM');
      const lingering = setTimeout(() => {
        killGroup('SIGKILL');
        guard?.release();
      }, grace);
      lingering.unref();
      void reading.then(() => {
        if (killTimer) clearTimeout(killTimer);
        resolve({ exitCode, signal, timedOut, aborted });
      });
    });
  });
}

/**
 * Calls `onLine` for every line of a stream decoded as UTF-8 as a whole, split at LF, CRLF and lone CR only
 * (not readline: it never flushes its decoder, so a character cut off by the end of the output vanished,
 * and from Node 22 it also splits at U+2028 and U+2029, which are text here). The last line needs no
 * line break. Resolves when the stream has ended.
 */
export function readLines(stream: Readable, onLine: (line: string) => void): Promise<void> {
  stream.setEncoding('utf8');
  let rest = '';
  return new Promise<void>((done) => {
    stream.on('data', (chunk: string) => {
      rest += chunk;
      let start = 0;
      for (let index = 0; index < rest.length; index++) {
        const char = rest.charCodeAt(index);
        if (char !== 10 && char !== 13) continue;
        // A CR at the very end may be the first half of a CRLF that the next chunk completes.
        if (char === 13 && index === rest.length - 1) break;
        onLine(rest.slice(start, index));
        if (char === 13 && rest.charCodeAt(index + 1) === 10) index++;
        start = index + 1;
      }
      rest = rest.slice(start);
    });
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      if (rest.endsWith('\r')) rest = rest.slice(0, -1) + '\n';
      const last = rest.endsWith('\n') ? rest.slice(0, -1) : rest;
      if (rest !== '') onLine(last);
      rest = '';
      done();
    };
    stream.once('end', finish);
    stream.once('close', finish);
    stream.once('error', finish);
  });
}
