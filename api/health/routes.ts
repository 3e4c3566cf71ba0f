// Public health check: database and Temporal reachability plus the running version; 503 when either is down.
import type { Client } from '@temporalio/client';
import type { Sequelize } from 'sequelize';
import { z } from 'zod';
import { isDatabaseReachable } from '../../lib/db';
import { isTemporalReachable } from '../../lib/temporal';
import { defineRoute, type Route } from '../route';

const Check = z.object({ status: z.enum(['up', 'down']), latencyMs: z.number() });
const Health = z
  .object({ status: z.enum(['ok', 'degraded']), version: z.string(), checks: z.object({ database: Check, temporal: Check }) })
  .meta({ id: 'Health' });

async function timed(probe: () => Promise<boolean>): Promise<z.infer<typeof Check>> {
  const started = performance.now();
  const up = await probe();
  return { status: up ? 'up' : 'down', latencyMs: Math.round(performance.now() - started) };
}

export function healthRoutes(sequelize: Sequelize, temporal: Client, version: string): Route[] {
  return [
    defineRoute(
      {
        method: 'get',
        path: '/api/public/health',
        summary: 'Database and Temporal reachability',
        tags: ['public'],
        access: 'public',
        responses: { 200: { description: 'Everything is up', schema: Health }, 503: { description: 'A dependency is down', schema: Health } },
      },
      async ({ res }) => {
        const [database, temporalCheck] = await Promise.all([timed(() => isDatabaseReachable(sequelize)), timed(() => isTemporalReachable(temporal))]);
        const healthy = database.status === 'up' && temporalCheck.status === 'up';
        res
          .status(healthy ? 200 : 503)
          .set('Cache-Control', 'no-store')
          .json({ status: healthy ? 'ok' : 'degraded', version, checks: { database, temporal: temporalCheck } });
      },
    ),
  ];
}
