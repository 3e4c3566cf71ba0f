// Stops what the global setup started, so a test run leaves no server behind.
import type { TestStackHandle } from './global-setup';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __testStack?: TestStackHandle }).__testStack?.stop();
}
