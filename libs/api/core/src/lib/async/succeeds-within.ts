/**
 * Resolves true when `work` fulfils within `ms`, false when it rejects or takes longer (it is not
 * cancelled: a late result is ignored). For health checks and other waits that must not hang.
 */
export async function succeedsWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work.then(
        () => true,
        () => false,
      ),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
