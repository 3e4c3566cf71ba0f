// Under `npm start`, a local fake stands in for each external system that has no credentials (sandbox mode).
import type { SyncTargetSettings } from '../integrations';
import type { Config, CurrentRmsApiSettings } from '../lib/config';
import { FakeCurrentRms } from '../test/fakes/current-rms';
import { FakeMonday } from '../test/fakes/monday';
import { FakeSalesforce } from '../test/fakes/salesforce';
import { FakeXero } from '../test/fakes/xero';

export interface ExternalSystems {
  settings: { currentRms: CurrentRmsApiSettings } & Partial<SyncTargetSettings>;
  /** One line per system for the banner: where it is reached, and whether that is a sandbox. */
  summary: { name: string; url: string; sandbox: boolean }[];
  currentRmsSandbox: FakeCurrentRms | undefined;
  stop(): Promise<void>;
}

interface Sandbox<S> {
  baseUrl: string;
  settings(): S;
  stop(): Promise<void>;
}

export async function startExternalSystems(config: Config): Promise<ExternalSystems> {
  const sandboxes: Sandbox<unknown>[] = [];
  const summary: ExternalSystems['summary'] = [];
  async function resolve<S>(name: string, configured: S | undefined, url: (settings: S) => string, start: () => Promise<Sandbox<S>>): Promise<S> {
    if (configured) {
      summary.push({ name, url: url(configured), sandbox: false });
      return configured;
    }
    const sandbox = await start();
    sandboxes.push(sandbox);
    summary.push({ name, url: sandbox.baseUrl, sandbox: true });
    return sandbox.settings();
  }
  const enabled = new Set(config.SYNC_SYSTEMS);
  try {
    let currentRmsSandbox: FakeCurrentRms | undefined;
    const currentRms = await resolve('Current RMS', config.currentRms, (s) => s.apiUrl, async () => (currentRmsSandbox = await FakeCurrentRms.start()));
    const settings: ExternalSystems['settings'] = {
      currentRms,
      ...(enabled.has('salesforce') ? { salesforce: await resolve('Salesforce', config.salesforce, (s) => s.loginUrl, () => FakeSalesforce.start()) } : {}),
      ...(enabled.has('xero') ? { xero: await resolve('Xero', config.xero, (s) => s.apiUrl, () => FakeXero.start()) } : {}),
      ...(enabled.has('monday') ? { monday: await resolve('monday.com', config.monday, (s) => s.apiUrl, () => FakeMonday.start()) } : {}),
    };
    return { settings, summary, currentRmsSandbox, stop: () => stopAll(sandboxes) };
  } catch (error) {
    await stopAll(sandboxes);
    throw error;
  }
}

async function stopAll(sandboxes: Sandbox<unknown>[]): Promise<void> {
  await Promise.allSettled(sandboxes.map((sandbox) => sandbox.stop()));
}
