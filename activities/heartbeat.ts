// Keeps an activity's heartbeat going while it waits on something slow, so a dead worker is noticed quickly.
import { Context } from '@temporalio/activity';

export async function whileHeartbeating<T>(work: (signal: AbortSignal) => Promise<T>, everyMs = 2_000): Promise<T> {
  const context = Context.current();
  // A local activity has no heartbeat (its workflow task is kept alive instead).
  if (context.info.isLocal) return work(context.cancellationSignal);
  context.heartbeat();
  const timer = setInterval(() => context.heartbeat(), everyMs);
  try {
    return await work(context.cancellationSignal);
  } finally {
    clearInterval(timer);
  }
}
