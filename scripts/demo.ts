// `npm run demo`: changes a few opportunities in the running platform's Current RMS sandbox, which posts the
// webhooks a real Current RMS would; then shows the result through the API and where to watch it in the Temporal UI.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { RUNTIME_FILE } from '../lib/config';

const dataDir = path.resolve(process.env.DATA_DIR ?? 'data');
const runtimeFile = path.join(dataDir, RUNTIME_FILE);

interface Runtime {
  apiUrl: string;
  currentRmsSandbox: string | null;
  temporalUi: string;
}

const SAMPLES = [
  { id: 1001, subject: 'Summer festival main stage', state: 2, status: 0, charge_excluding_tax_total: '18500.00', charge_including_tax_total: '22200.00', tax_total: '3700.00', charge_total: '22200.00', member_id: 501, owned_by: 7 },
  { id: 1002, subject: 'Corporate gala lighting', state: 1, status: 0, charge_excluding_tax_total: '0.00', member_id: 502 },
  { id: 1003, subject: 'Theatre tour sound rig', state: 3, status: 20, charge_excluding_tax_total: '6400.00', charge_including_tax_total: '7680.00', tax_total: '1280.00', charge_total: '7680.00', member_id: 503, owned_by: 7 },
];

async function sandbox(runtime: Runtime, method: 'PUT' | 'DELETE', id: number, fields?: object): Promise<number[]> {
  const sandboxRoot = new URL('/__sandbox', runtime.currentRmsSandbox!).toString();
  const response = await fetch(`${sandboxRoot}/opportunities/${id}`, { method, headers: { 'Content-Type': 'application/json' }, ...(fields ? { body: JSON.stringify(fields) } : {}) });
  if (!response.ok) throw new Error(`The sandbox answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { deliveries: number[] }).deliveries;
}

async function adminToken(apiUrl: string): Promise<string | undefined> {
  const secretsFile = path.join(dataDir, 'secrets.json');
  const password = process.env.ADMIN_PASSWORD ?? (existsSync(secretsFile) ? (JSON.parse(readFileSync(secretsFile, 'utf8')) as { adminPassword?: string }).adminPassword : undefined);
  if (!password) return undefined;
  const response = await fetch(`${apiUrl}/api/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email: process.env.ADMIN_EMAIL ?? 'admin@example.com', password }) });
  return response.ok ? ((await response.json()) as { accessToken: string }).accessToken : undefined;
}

interface OpportunityDetail {
  opportunity: { subject: string; deletedAt: string | null };
  augmentation: { workflowStatus: string; riskLevel: string; financialHealthScore: number } | null;
}

interface OpportunityLinks {
  integrations: { system: string; status: string | null; externalId: string | null; lastError: string | null }[];
}

async function main(): Promise<void> {
  if (!existsSync(runtimeFile)) throw new Error(`No running platform found (${runtimeFile} is missing): run \`npm start\` first.`);
  const runtime = JSON.parse(readFileSync(runtimeFile, 'utf8')) as Runtime;
  if (!runtime.currentRmsSandbox) throw new Error('The platform talks to a real Current RMS (CURRENT_RMS_API_URL is set); the demo only drives the sandbox.');

  for (const sample of SAMPLES) console.log(`opportunity ${sample.id} created  → webhook answered ${(await sandbox(runtime, 'PUT', sample.id, sample)).join(', ')}`);
  console.log(`opportunity 1002 quoted   → webhook answered ${(await sandbox(runtime, 'PUT', 1002, { state: 2, charge_excluding_tax_total: '2500.00', charge_including_tax_total: '3000.00', tax_total: '500.00', charge_total: '3000.00' })).join(', ')}`);
  console.log(`opportunity 1003 deleted  → webhook answered ${(await sandbox(runtime, 'DELETE', 1003)).join(', ')}`);

  const token = await adminToken(runtime.apiUrl);
  if (token) {
    const get = async <T>(route: string) => {
      const response = await fetch(`${runtime.apiUrl}${route}`, { headers: { Authorization: `Bearer ${token}` } });
      return response.ok ? ((await response.json()) as T) : undefined;
    };
    for (const { id } of SAMPLES) {
      // Processing and the syncs take a moment: wait (up to 30 s) until every sync target has answered.
      const deadline = Date.now() + 30_000;
      let links: OpportunityLinks | undefined;
      do {
        await new Promise((resolve) => setTimeout(resolve, 500));
        links = await get<OpportunityLinks>(`/api/opportunities/${id}/integrations`);
      } while (Date.now() < deadline && !links?.integrations.every(({ status }) => status === 'synced' || status === 'failed'));
      const detail = await get<OpportunityDetail>(`/api/opportunities/${id}`);
      if (!detail || !links) {
        console.log(`GET /api/opportunities/${id} → not there yet (still processing? try again in a moment)`);
        continue;
      }
      const { opportunity, augmentation } = detail;
      console.log(`GET /api/opportunities/${id} → "${opportunity.subject}"${opportunity.deletedAt ? ' (deleted)' : ''}: ${augmentation ? `${augmentation.workflowStatus}, risk ${augmentation.riskLevel}, health ${augmentation.financialHealthScore}` : 'not augmented yet'}`);
      const summary = links.integrations.map(({ system, status, externalId, lastError }) => `${system} ${status ?? 'not synced yet'}${externalId ? ` (${externalId})` : ''}${lastError ? `: ${lastError}` : ''}`);
      console.log(`    synced to: ${summary.join('; ')}`);
    }
  }
  console.log(`\nWatch the runs in the Temporal UI: ${runtime.temporalUi}/namespaces/default/workflows?query=${encodeURIComponent("WorkflowType='processWebhookEvent'")}`);
  console.log(`and the syncs: ${runtime.temporalUi}/namespaces/default/workflows?query=${encodeURIComponent("WorkflowType='opportunitySync'")}`);
  console.log(`Events: GET ${runtime.apiUrl}/api/events (bearer token of an admin or integrations user)`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
