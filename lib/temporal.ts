// The Temporal connection settings, the shared client, search-attribute registration and UI links.
import { Client, Connection } from '@temporalio/client';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import { NativeConnection } from '@temporalio/worker';
import { CUSTOM_SEARCH_ATTRIBUTES } from '../domain/search-attributes';
import type { Config } from './config';
import type { Logger } from './logger';
import { within } from './within';

export interface TemporalTarget {
  address: string;
  namespace: string;
  apiKey?: string;
}

export function temporalTarget(config: Config, address = config.TEMPORAL_ADDRESS): TemporalTarget {
  if (!address) throw new Error('No Temporal address: set TEMPORAL_ADDRESS or run `npm start`.');
  return { address, namespace: config.TEMPORAL_NAMESPACE, ...(config.TEMPORAL_API_KEY ? { apiKey: config.TEMPORAL_API_KEY } : {}) };
}

const connectionOptions = (target: TemporalTarget) => ({
  address: target.address,
  ...(target.apiKey ? { apiKey: target.apiKey, tls: true } : {}),
});

/** One client per process. The connection is lazy, so the API starts (and accepts work) while Temporal is down. */
export function createTemporalClient(target: TemporalTarget): Client {
  return new Client({ connection: Connection.lazy(connectionOptions(target)), namespace: target.namespace });
}

export function connectWorkerConnection(target: TemporalTarget): Promise<NativeConnection> {
  return NativeConnection.connect(connectionOptions(target));
}

/** Resolves true when the frontend answers within the timeout (the lazy connection's dial included). */
export function isTemporalReachable(client: Client, timeoutMs = 2_000): Promise<boolean> {
  const call = () => client.connection.withDeadline(Date.now() + timeoutMs, () => client.workflowService.getSystemInfo({}));
  return within(() => call().then(() => true), timeoutMs + 250, false);
}

/** Adds the project's custom search attributes that the namespace lacks. Idempotent. */
export async function registerSearchAttributes(client: Client, logger: Logger): Promise<void> {
  const { namespace } = client.options;
  const existing = await client.connection.operatorService.listSearchAttributes({ namespace });
  const missing = CUSTOM_SEARCH_ATTRIBUTES.filter((key) => !(key.name in (existing.customAttributes ?? {})));
  if (missing.length === 0) return;
  await client.connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(missing.map((key) => [key.name, encodeSearchAttributeIndexedValueType(key.type)!])),
  });
  logger.info({ added: missing.map((key) => key.name) }, 'registered custom search attributes');
}

export function temporalUiBaseUrl(config: Config): string {
  return config.TEMPORAL_UI_URL ?? `http://localhost:${config.TEMPORAL_UI_PORT}`;
}


/** A link to one workflow run's history in the Temporal UI (or to all runs of the id when the run is unknown). */
export function temporalUiWorkflowUrl(config: Config, workflowId: string, runId?: string | null): string {
  const base = `${temporalUiBaseUrl(config)}/namespaces/${encodeURIComponent(config.TEMPORAL_NAMESPACE)}/workflows`;
  return runId
    ? `${base}/${encodeURIComponent(workflowId)}/${encodeURIComponent(runId)}/history`
    : `${base}?query=${encodeURIComponent(`WorkflowId="${workflowId}"`)}`;
}
