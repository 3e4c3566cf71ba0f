// Custom search attributes that let staff filter workflows in the Temporal UI.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const OPPORTUNITY_ID = defineSearchAttributeKey('OpportunityId', SearchAttributeType.KEYWORD);
export const INTEGRATION_SYSTEM = defineSearchAttributeKey('IntegrationSystem', SearchAttributeType.KEYWORD);
export const SYNC_STATUS = defineSearchAttributeKey('SyncStatus', SearchAttributeType.KEYWORD);
export const BUSINESS_KEY = defineSearchAttributeKey('BusinessKey', SearchAttributeType.KEYWORD);
export const EVENT_TYPE = defineSearchAttributeKey('EventType', SearchAttributeType.KEYWORD);

export const CUSTOM_SEARCH_ATTRIBUTES = [OPPORTUNITY_ID, INTEGRATION_SYSTEM, SYNC_STATUS, BUSINESS_KEY, EVENT_TYPE];
