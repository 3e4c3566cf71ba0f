// The ESLint rules that keep workflows/ deterministic really reject the mistakes they are for.
import { execFile } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');

/**
 * Lints each snippet as if it were a file in workflows/, with the project's real ESLint config, in one child process
 * (jest cannot load the ESM config itself) so every snippet shares one type-aware program.
 */
const LINT_SNIPPETS = `
  const { ESLint } = require('eslint');
  const snippets = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
  const eslint = new ESLint({ cwd: process.cwd() });
  (async () => {
    const ruleIds = [];
    for (const code of snippets) {
      const [result] = await eslint.lintText(code, { filePath: require('node:path').resolve('workflows/refresh-token-cleanup.ts') });
      ruleIds.push(result.messages.map((m) => m.ruleId ?? m.message));
    }
    process.stdout.write(JSON.stringify(ruleIds));
  })();`;

function ruleIdsOf(snippets: string[]): Promise<string[][]> {
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, ['-e', LINT_SNIPPETS], { cwd: root, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`eslint failed: ${stderr || error.message}`));
      resolve(JSON.parse(stdout) as string[][]);
    });
    child.stdin!.end(JSON.stringify(snippets));
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
  results = await ruleIdsOf([...violations.map(([code]) => code), allowed]);
}, 120_000);

test.each(violations.map(([code, rule], i) => [i, code.split('\n')[0]!, rule] as const))('violation %i (%s) is reported as %s', (i, _code, rule) => {
  expect(results[i]).toContain(rule);
});

test('type-only imports of activities are allowed in workflow code', () => {
  expect(results[violations.length]).toEqual([]);
});
