// Bounds a probe in time: resolves to the fallback if the probe has not settled by then (or fails).
export async function within<T>(probe: () => Promise<T>, timeoutMs: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), timeoutMs);
  });
  try {
    return await Promise.race([probe().catch(() => fallback), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
