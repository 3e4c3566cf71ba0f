// How API responses render shared values: timestamps as ISO 8601 strings, an external-integration link's fields.
import type { ExternalIntegration } from '../models';

export const iso = (date: Date | null) => (date ? date.toISOString() : null);

/** A link to an external record, as every endpoint that shows one renders it. */
export const linkSummary = (link: ExternalIntegration) => ({
  system: link.system,
  uid: link.uid,
  externalId: link.externalId,
  status: link.status,
  lastSyncedAt: iso(link.lastSyncedAt),
  lastError: link.lastError,
  attempts: link.attempts,
  updatedAt: link.updatedAt.toISOString(),
});
