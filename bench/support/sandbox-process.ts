// Entry point of the e2e benchmark's outside world: the four sandboxes, and Current RMS changing opportunities and posting their webhooks.
import { FakeCurrentRms } from '../../test/fakes/current-rms';
import { webhookAction } from '../../test/fakes/current-rms-driver';
import { FakeMonday } from '../../test/fakes/monday';
import { FakeSalesforce } from '../../test/fakes/salesforce';
import { FakeXero } from '../../test/fakes/xero';
import { openLoop } from './http-load';
import { opportunityChange, plannedEvent } from './opportunity-changes';
import type { SandboxReply, SandboxRequest, SandboxStats } from './sandbox-host';

/** Lifted quotas (see sandbox-host.ts): far above what any run uses. */
const LIFTED = { salesforceDailyRequests: 100_000_000, xeroCallsPerWindow: 100_000_000, mondayComplexityPerMinute: 1_000_000_000_000 };

interface Sandboxes {
  currentRms: FakeCurrentRms;
  salesforce: FakeSalesforce;
  xero: FakeXero;
  monday: FakeMonday;
}

let sandboxes: Sandboxes | undefined;
let plan: { opportunities: number; customers: number; firstActionId: number } | undefined;

const reply = (message: SandboxReply) => process.send!(message);

function stats({ currentRms, salesforce, xero, monday }: Sandboxes): SandboxStats {
  const xeroStats = xero.stats();
  return {
    currentRms: { requests: currentRms.requests.length },
    salesforce: { writes: salesforce.writeCounts(), requests: salesforce.requests.length, apiUsage: salesforce.apiUsage().used, tokenRequests: salesforce.tokenRequests() },
    xero: {
      contacts: { creates: xeroStats.writes.contacts.created, updates: xeroStats.writes.contacts.updated },
      quotes: { creates: xeroStats.writes.quotes.created, updates: xeroStats.writes.quotes.updated },
      requests: xeroStats.requests,
      rateLimited: xeroStats.rateLimited,
      peakConcurrent: xeroStats.peakConcurrent,
    },
    monday: { writes: monday.writeCounts(), requests: monday.requests.length },
  };
}

async function handle(request: SandboxRequest): Promise<SandboxReply> {
  switch (request.kind) {
    case 'setup': {
      const [currentRms, salesforce, xero, monday] = await Promise.all([
        FakeCurrentRms.start(),
        FakeSalesforce.start({ apiUsageLimit: LIFTED.salesforceDailyRequests }),
        // Xero's 5 concurrent calls per tenant stay; its 60 per minute and 5,000 per day do not.
        FakeXero.start({ limits: { perMinute: LIFTED.xeroCallsPerWindow, perDay: LIFTED.xeroCallsPerWindow } }),
        FakeMonday.start({ complexityBudgetPerMinute: LIFTED.mondayComplexityPerMinute }),
      ]);
      sandboxes = { currentRms, salesforce, xero, monday };
      plan = { opportunities: request.opportunities, customers: request.customers, firstActionId: request.firstActionId };
      return {
        kind: 'ready',
        settings: { currentRms: currentRms.settings(), salesforce: salesforce.settings(), xero: xero.settings(), monday: monday.settings() },
        xeroCallsPerWindow: LIFTED.xeroCallsPerWindow,
      };
    }
    case 'send': {
      if (!sandboxes || !plan) throw new Error('send before setup');
      const { currentRms } = sandboxes;
      const { opportunities, customers, firstActionId } = plan;
      let index = 0;
      let firstSentAtMs: number | undefined;
      // Each webhook follows its change in Current RMS, as Current RMS posts it right after the save.
      const nextBody = () => {
        const event = plannedEvent(index, opportunities);
        const actionId = firstActionId + index++;
        const opportunity = currentRms.upsertOpportunity(opportunityChange(event.opportunityId, event.round, customers));
        firstSentAtMs ??= Date.now();
        return { rawBody: JSON.stringify(webhookAction(opportunity, event.action, { actionId, memberId: 7, memberName: 'Sam Planner' })) };
      };
      const cpuBefore = process.cpuUsage();
      const durationMs = (request.events / request.ratePerSecond) * 1000;
      const { result } = await openLoop(new URL(request.webhookUrl), request.ratePerSecond, durationMs, request.maxSockets, nextBody);
      const cpu = process.cpuUsage(cpuBefore);
      const finalVersions: Record<number, string> = {};
      for (let id = 1; id <= opportunities; id++) {
        const opportunity = currentRms.opportunity(id);
        if (opportunity) finalVersions[id] = opportunity.updated_at;
      }
      return { kind: 'sent', result, firstSentAtMs: firstSentAtMs ?? Date.now(), finalVersions, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
    }
    case 'stats':
      if (!sandboxes) throw new Error('stats before setup');
      return { kind: 'stats', stats: stats(sandboxes) };
  }
}

process.on('message', (request: SandboxRequest) => {
  handle(request).then(reply, (error: unknown) => reply({ kind: 'failed', message: error instanceof Error ? (error.stack ?? error.message) : String(error) }));
});
process.on('disconnect', () => {
  const stopping = sandboxes ? Object.values(sandboxes).map((sandbox: { stop(): Promise<void> }) => sandbox.stop()) : [];
  void Promise.allSettled(stopping).then(() => process.exit(0));
});
