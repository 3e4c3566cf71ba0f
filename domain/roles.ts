// User roles, shared by the API's guards and the user schemas (what each may reach is declared on each route).
export const ROLES = ['admin', 'integrations', 'sales_engineer'] as const;
export type Role = (typeof ROLES)[number];
