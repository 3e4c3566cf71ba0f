// Benchmark child processes: fork a TypeScript module under tsx, exchange one message for one reply, stop it.
import { fork, type ChildProcess, type ForkOptions } from 'node:child_process';

/** Forks `modulePath` with tsx's loader (resolved from here, so the benchmark runs from any working directory). */
export function forkTypeScript(modulePath: string, options: Pick<ForkOptions, 'env' | 'stdio'> = {}): ChildProcess {
  return fork(modulePath, [], { execArgv: ['--import', require.resolve('tsx')], ...options });
}

/** Sends one request and resolves with the child's next message; rejects when the child exits first. */
export function exchange<Request, Reply>(child: ChildProcess, request: Request, name = 'the child process'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`${name} exited (code ${String(code)})`));
    child.once('exit', onExit);
    child.once('message', (reply: Reply) => {
      child.off('exit', onExit);
      resolve(reply);
    });
    child.send(request as object);
  });
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the child has exited. */
export function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
