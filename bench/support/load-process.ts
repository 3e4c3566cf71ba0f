// Entry point of the load generator process: receives its setup and load phases over IPC and answers with their results.
import { closedLoop, openLoop, type NextBody } from './http-load';
import type { LoadReply, LoadRequest } from './load-generator';
import { webhookBodySource } from './webhook-bodies';

let target: { url: URL; nextBody: NextBody } | undefined;

const reply = (message: LoadReply) => process.send!(message);

async function handle(request: LoadRequest): Promise<LoadReply> {
  if (request.kind === 'setup') {
    target = { url: new URL(request.webhookUrl), nextBody: webhookBodySource(request.opportunities, request.firstActionId) };
    return { kind: 'ready' };
  }
  if (!target) throw new Error('a load phase arrived before the setup');
  const cpuBefore = process.cpuUsage();
  const { result, latencySamplesMs } =
    request.kind === 'closed'
      ? await closedLoop(target.url, request.concurrency, request.durationMs, target.nextBody)
      : await openLoop(target.url, request.ratePerSecond, request.durationMs, request.maxSockets, target.nextBody);
  const cpu = process.cpuUsage(cpuBefore);
  return { kind: 'result', result, latencySamplesMs, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

process.on('message', (request: LoadRequest) => {
  handle(request).then(reply, (error: unknown) => reply({ kind: 'failed', message: error instanceof Error ? error.message : String(error) }));
});
process.on('disconnect', () => process.exit(0));
