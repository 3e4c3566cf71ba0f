// Request parameters several features share: a Current RMS entity id in a path or query, as canonical digits only.
import { z } from 'zod';
import { ENTITY_ID_PATTERN } from '../domain/webhook-events';

/** "16", not "0x10", "1e1", "16.0" or " 16" (which Number() would all read as an id). */
export const entityIdParam = z.string().regex(ENTITY_ID_PATTERN, 'a positive integer id of up to 15 digits').transform(Number);
