// The Current RMS webhook envelope we accept, and the intake responses.
import { z } from 'zod';
import { ENTITY_ID_PATTERN, EVENT_STATUSES, MAX_ENTITY_ID } from '../../domain/webhook-events';

const identifier = z.union([z.number().int().nonnegative(), z.string().trim().min(1).max(100)]);

export const CurrentRmsWebhook = z
  .object({
    action: z
      .object({
        id: identifier.optional(),
        subject_id: z.union([z.number().int().positive().max(MAX_ENTITY_ID), z.string().regex(ENTITY_ID_PATTERN, 'a positive integer id of up to 15 digits')]),
        subject_type: z.string().min(1).max(100).regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'a Current RMS type name such as Opportunity'),
        action_type: z.string().min(1).max(100).regex(/^[a-z][a-z0-9_]*$/, 'a snake_case action such as update'),
      })
      .passthrough(),
  })
  .passthrough()
  .meta({ id: 'CurrentRmsWebhook', description: 'What Current RMS posts: {"action": {id, subject_id, subject_type, action_type, …}}' });
export type CurrentRmsWebhook = z.infer<typeof CurrentRmsWebhook>;

export const WebhookAccepted = z
  .object({
    eventId: z.uuid(),
    status: z.enum(EVENT_STATUSES),
    duplicate: z.boolean().optional(),
  })
  .meta({ id: 'WebhookAccepted' });
