// The ESLint rules that keep workflows/ deterministic really reject the mistakes they are for.
import { execFile } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');

/** Lints `code` as if it were a file in workflows/, with the project's real ESLint config. */
function ruleIds(code: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      path.join(root, 'node_modules/.bin/eslint'),
      ['--stdin', '--stdin-filename', 'workflows/refresh-token-cleanup.ts', '--format', 'json'],
      { cwd: root },
      (error, stdout) => {
        try {
          const [result] = JSON.parse(stdout) as { messages: { ruleId: string | null; message: string }[] }[];
          resolve(result!.messages.map((m) => m.ruleId ?? m.message));
        } catch {
          reject(error ?? new Error(`unexpected eslint output: ${stdout}`));
        }
      },
    );
    child.stdin!.end(code);
  });
}

const violations: [string, string][] = [
  ["import fs from 'node:fs';\nexport const x = fs;", 'no-restricted-imports'],
  ["import { createActivities } from '../activities';\nexport const x = createActivities;", 'no-restricted-imports'],
  ["import { Client } from '@temporalio/client';\nexport const x = Client;", 'no-restricted-imports'],
  ['export const now = () => Date.now();', 'no-restricted-properties'],
  ['export const r = () => Math.random();', 'no-restricted-properties'],
  ['export const env = () => process.env.X;', 'no-restricted-globals'],
  ['async function go(): Promise<void> {}\nexport function run(): void { go(); }', '@typescript-eslint/no-floating-promises'],
];
const allowed = "import type { Activities } from '../activities';\nexport type A = Activities;\n";

let results: string[][];
beforeAll(async () => {
  results = await Promise.all([...violations.map(([code]) => ruleIds(code)), ruleIds(allowed)]);
}, 120_000);

test.each(violations.map(([code, rule], i) => [i, code.split('\n')[0]!, rule] as const))('violation %i (%s) is reported as %s', (i, _code, rule) => {
  expect(results[i]).toContain(rule);
});

test('type-only imports of activities are allowed in workflow code', () => {
  expect(results[violations.length]).toEqual([]);
});
