// Audit API: the audit trail of an entity (or of everything the caller may see), newest first.
import { Op, type WhereOptions } from 'sequelize';
import { z } from 'zod';
import { auditEntityTypesVisibleTo } from '../../domain/audit-visibility';
import { forbidden } from '../../lib/errors';
import { AuditLog } from '../../models';
import { decodeCursor, pageOf, pageQuery, toPage } from '../pagination';
import { defineRoute, type Route } from '../route';

const AuditEntry = z
  .object({
    id: z.string(),
    occurredAt: z.iso.datetime(),
    entityType: z.string(),
    entityId: z.string(),
    action: z.string(),
    actor: z.object({ type: z.enum(['user', 'workflow', 'system']), id: z.string(), activity: z.string().nullable(), workflowRunId: z.string().nullable() }),
    before: z.unknown(),
    after: z.unknown(),
    requestId: z.string().nullable(),
    requestIp: z.string().nullable().optional().describe('Admins only'),
    userAgent: z.string().nullable().optional().describe('Admins only'),
  })
  .meta({ id: 'AuditEntry' });

const Query = z
  .object({
    entityType: z.string().max(100).optional(),
    entityId: z.string().max(200).optional(),
    action: z.string().max(100).optional(),
    ...pageQuery,
  })
  .strict();

const AuditCursor = z.string().regex(/^\d{1,18}$/);

export function auditRoutes(): Route[] {
  return [
    defineRoute(
      {
        method: 'get',
        path: '/api/audit',
        summary: 'Audit trail, newest first. Staff see business records (events, opportunities, integrations, workflow runs); admins see everything.',
        tags: ['audit'],
        access: 'authenticated',
        query: Query,
        responses: { 200: { description: 'A page of audit entries', schema: pageOf(AuditEntry, 'AuditPage') }, 403: { description: 'That entity type is for admins only' } },
      },
      async ({ query, user, res }) => {
        const visible = auditEntityTypesVisibleTo(user.role);
        if (visible && query.entityType && !visible.includes(query.entityType)) throw forbidden(`Audit of ${query.entityType} is for admins only`);
        const after = decodeCursor(query.cursor, AuditCursor);
        const where: WhereOptions<AuditLog>[] = [
          ...(query.entityType ? [{ entityType: query.entityType }] : visible ? [{ entityType: { [Op.in]: [...visible] } }] : []),
          ...(query.entityId ? [{ entityId: query.entityId }] : []),
          ...(query.action ? [{ action: query.action }] : []),
          ...(after ? [{ id: { [Op.lt]: after } }] : []),
        ];
        const rows = await AuditLog.findAll({ where: { [Op.and]: where }, order: [['id', 'DESC']], limit: query.limit + 1 });
        const isAdmin = user.role === 'admin';
        res.json(
          toPage(
            rows,
            query.limit,
            (row) => ({
              id: String(row.id),
              occurredAt: row.occurredAt.toISOString(),
              entityType: row.entityType,
              entityId: row.entityId,
              action: row.action,
              actor: { type: row.actorType, id: row.actorId, activity: row.actorActivity, workflowRunId: row.workflowRunId },
              before: row.before,
              after: row.after,
              requestId: row.requestId,
              ...(isAdmin ? { requestIp: row.requestIp, userAgent: row.userAgent } : {}),
            }),
            (row) => String(row.id),
          ),
        );
      },
    ),
  ];
}
