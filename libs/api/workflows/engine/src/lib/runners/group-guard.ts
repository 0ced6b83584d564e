import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

/** How often a guard looks whether the server still lives. */
const CHECK_EVERY_SECONDS = 1;

export interface GroupGuard {
  /** The group ended while the server lives: the guard is not needed any more. */
  release(): void;
}

/**
 * Ends a child's process group if the server dies first (SIGKILL, an OOM kill): Node cannot ask the kernel
 * to signal children when their parent dies, and an agent runs in a group of its own (so that cancel can end
 * everything it forked), which a dying server would leave running. The guard is a small `sh` loop in a group
 * of its own: while the server lives it sleeps; once the server is gone it sends the group SIGTERM, then
 * SIGKILL after `graceSeconds`. On Linux it watches its own parent pid in /proc (a reused server pid cannot
 * fool it); elsewhere it asks `kill -0` of the server's pid.
 */
export function guardGroup(pgid: number, graceSeconds: number): GroupGuard {
  const server = process.pid;
  const alive = existsSync('/proc/self/stat')
    ? `read -r _ _ _ parent _ < /proc/$$/stat && [ "$parent" = ${server} ]`
    : `kill -0 ${server} 2>/dev/null`;
  const script =
    `while ${alive}; do sleep ${CHECK_EVERY_SECONDS}; done; ` +
    `kill -TERM -${pgid} 2>/dev/null; sleep ${graceSeconds}; kill -KILL -${pgid} 2>/dev/null`;
  const guard = spawn('/bin/sh', ['-c', script], { detached: true, stdio: 'ignore' });
  // A machine without /bin/sh runs agents unguarded, as before.
  guard.on('error', () => undefined);
  guard.unref();
  return {
    release: () => {
      if (guard.pid === undefined || guard.exitCode !== null) return;
      try {
        process.kill(-guard.pid, 'SIGKILL');
      } catch {
        // Gone already.
      }
    },
  };
}
