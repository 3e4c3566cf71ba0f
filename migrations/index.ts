// The ordered list of schema migrations; append new ones, never reorder.
import { foundation } from './0001-foundation';
import { webhookEventsAndOpportunities } from './0002-webhook-events-and-opportunities';
import { syncLinkState } from './0003-sync-link-state';
import type { Migration } from './migrator';

export const migrations: Migration[] = [foundation, webhookEventsAndOpportunities, syncLinkState];
