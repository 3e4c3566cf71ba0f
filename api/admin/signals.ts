// The signals admins may send, per workflow type, with the schema of their arguments; anything else is a 400.
import { z } from 'zod';
import { SYNC_REASONS, SYNC_REQUESTED_SIGNAL, type SyncRequest } from '../../domain/opportunity-sync';
import { AppError } from '../../lib/errors';

interface DocumentedSignal {
  description: string;
  /** Validates the arguments an admin sends and stamps who asked into them. */
  args: (requestedBy: string) => z.ZodType<unknown[]>;
}

const DOCUMENTED_SIGNALS: Record<string, Record<string, DocumentedSignal>> = {
  opportunitySync: {
    [SYNC_REQUESTED_SIGNAL]: {
      description: 'Sync the opportunity to the system now: args [{"reason": "manual" | "retry-failed" | …}]',
      args: (requestedBy) =>
        z.tuple([z.object({ reason: z.enum(SYNC_REASONS).default('manual') }).strict()]).transform(([request]): [SyncRequest] => [{ ...request, requestedBy }]),
    },
  },
};

/** The signal's arguments, ready to send; 400 for a signal the workflow type does not document, or bad arguments. */
export function signalArguments(workflowType: string, name: string, args: unknown[], requestedBy: string): unknown[] {
  const documented = DOCUMENTED_SIGNALS[workflowType] ?? {};
  const signal = Object.hasOwn(documented, name) ? documented[name] : undefined;
  if (!signal) {
    throw new AppError(400, 'unknown_signal', `Workflow type ${workflowType} has no documented signal ${name}`, { documented: Object.keys(documented) });
  }
  const parsed = signal.args(requestedBy).safeParse(args);
  if (!parsed.success) {
    throw new AppError(400, 'validation_failed', `Invalid arguments for signal ${name}`, parsed.error.issues.map((issue) => ({ path: ['args', ...issue.path].join('.'), message: issue.message })));
  }
  return parsed.data;
}
