// Distinct, valid Current RMS webhook bodies for the benchmark: realistic opportunities from the sandbox, unique action ids.
import { FakeCurrentRms, type CurrentRmsOpportunity } from '../../test/fakes/current-rms';
import { webhookAction } from '../../test/fakes/current-rms-driver';

/** The User-Agent Current RMS sends; ingest rows carry it in their stored headers. */
export const CURRENT_RMS_USER_AGENT = 'CurrentRMS-Webhooks/1.0';

/** `count` opportunities with the sandbox's realistic defaults (money, state, member, owner, dates). */
export async function sampleOpportunities(count: number): Promise<CurrentRmsOpportunity[]> {
  const sandbox = await FakeCurrentRms.start();
  try {
    return Array.from({ length: count }, (_, index) => sandbox.upsertOpportunity({ id: index + 1, subject: `Benchmark rig ${index + 1}` }));
  } finally {
    await sandbox.stop();
  }
}

/**
 * Raw JSON bodies of `opportunity_update` webhooks, cycling through the opportunities, each with the next action id
 * from `firstActionId`, so no two bodies dedupe against each other.
 */
export function webhookBodySource(opportunities: readonly CurrentRmsOpportunity[], firstActionId: number): () => { actionId: number; subjectId: number; rawBody: string } {
  let actionId = firstActionId;
  return () => {
    const id = actionId++;
    const opportunity = opportunities[id % opportunities.length]!;
    return { actionId: id, subjectId: opportunity.id, rawBody: JSON.stringify(webhookAction(opportunity, 'update', { actionId: id })) };
  };
}
