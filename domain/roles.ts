// User roles and what each may do, shared by the API's guards and the user schemas.
export const ROLES = ['admin', 'integrations', 'sales_engineer'] as const;
export type Role = (typeof ROLES)[number];
