// Which audit trails each role may read: business records for staff, everything (users, tokens too) for admins.
import type { Role } from './roles';

const BUSINESS_AUDIT_ENTITY_TYPES = ['event', 'opportunity', 'external_integration', 'workflow_instance'] as const;

/** undefined = every entity type. */
export const auditEntityTypesVisibleTo = (role: Role): readonly string[] | undefined => (role === 'admin' ? undefined : BUSINESS_AUDIT_ENTITY_TYPES);
