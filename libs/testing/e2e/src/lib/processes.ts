import { type ChildProcess, spawn, type SpawnOptions } from 'node:child_process';

/** A server process the harness started: what it printed, whether it runs, and its exit. */
export interface CapturedProcess {
  child: ChildProcess;
  /** stdout and stderr so far (and a spawn error's message). */
  output(): string;
  running(): boolean;
  /** Resolves once the process has exited (or could not be started). */
  exited: Promise<void>;
}

/** Spawns `command` with stdout and stderr captured, so that a failed start can say what it printed. */
export function spawnCaptured(
  command: string,
  args: string[],
  options: Pick<SpawnOptions, 'uid' | 'gid' | 'env'> = {},
): CapturedProcess {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolveExit) => {
    child.once('exit', () => resolveExit());
    child.once('error', (error) => {
      output += `${error.message}\n`;
      resolveExit();
    });
  });
  return {
    child,
    output: () => output,
    running: () => child.exitCode === null && child.signalCode === null && child.pid !== undefined,
    exited,
  };
}
