// Ordered shutdown: resources register a stop step as they start; steps run in reverse on exit.
import type { Logger } from './logger';

export class ShutdownSteps {
  private readonly steps: { name: string; stop: () => Promise<unknown> }[] = [];

  add(name: string, stop: () => Promise<unknown>): void {
    this.steps.push({ name, stop });
  }

  /** Runs every step, newest first; a failing step is logged and does not stop the others. */
  async run(logger: Logger): Promise<void> {
    for (const { name, stop } of this.steps.splice(0).reverse()) {
      try {
        await stop();
        logger.debug({ step: name }, 'stopped');
      } catch (error) {
        logger.error({ err: error, step: name }, 'error while stopping');
      }
    }
  }
}

/** Signals this soon after the first are the same Ctrl-C relayed by npm and tsx, not a second one. */
const RELAYED_SIGNAL_WINDOW_MS = 1_500;

/** Calls `onFirst` on the first SIGINT/SIGTERM; a later, deliberate second signal calls `onSecond` (force). */
export function onShutdownSignal(onFirst: (signal: NodeJS.Signals) => void, onSecond: () => void): void {
  let firstAt: number | undefined;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (firstAt === undefined) {
        firstAt = Date.now();
        return onFirst(signal);
      }
      if (Date.now() - firstAt > RELAYED_SIGNAL_WINDOW_MS) onSecond();
    });
  }
}
