// Connector failures become the right Temporal failures: Retry-After parsing and the one error-casting point.
import { ApplicationFailure } from '@temporalio/common';
import { MAX_SERVER_RETRY_DELAY_MS, toActivityFailure } from '../../activities/error-casting';
import { IntegrationError, retryAfterMs } from '../../integrations/errors';

test('Retry-After is read as delta-seconds or as an HTTP date; anything else is ignored', () => {
  expect(retryAfterMs('2')).toBe(2_000);
  expect(retryAfterMs('0.5')).toBe(500);
  const now = Date.parse('2026-11-23T12:00:00Z');
  expect(retryAfterMs('Mon, 23 Nov 2026 12:00:30 GMT', now)).toBe(30_000);
  expect(retryAfterMs('Mon, 23 Nov 2026 11:00:00 GMT', now)).toBe(0); // in the past: retry now
  expect(retryAfterMs('soon')).toBeUndefined();
  expect(retryAfterMs('-3')).toBeUndefined();
  expect(retryAfterMs(null)).toBeUndefined();
});

test('a retryable failure keeps retrying, with the server delay as the next retry delay', () => {
  const failure = toActivityFailure(new IntegrationError('current-rms', 'retryable', 'rate limited', { status: 429, retryAfterMs: 3_000 }));
  expect(failure).toBeInstanceOf(ApplicationFailure);
  expect(failure).toMatchObject({ type: 'current-rms.retryable', message: 'rate limited', nonRetryable: false, nextRetryDelay: 3_000, details: [{ status: 429 }] });
  expect(toActivityFailure(new IntegrationError('current-rms', 'retryable', 'reset'))).toMatchObject({ nonRetryable: false, nextRetryDelay: undefined });
  const dailyQuota = new IntegrationError('current-rms', 'retryable', 'quota', { status: 429, retryAfterMs: 86_400_000 });
  expect(toActivityFailure(dailyQuota)).toMatchObject({ nextRetryDelay: MAX_SERVER_RETRY_DELAY_MS });
});

test.each(['auth', 'validation'] as const)('a %s failure is non-retryable and keeps the external message', (kind) => {
  const failure = toActivityFailure(new IntegrationError('current-rms', kind, 'Current RMS said no', { status: 401, retryAfterMs: 9_000 }));
  expect(failure).toMatchObject({ type: `current-rms.${kind}`, message: 'Current RMS said no', nonRetryable: true, nextRetryDelay: undefined });
});

test('other errors pass through unchanged (Temporal retries them by policy)', () => {
  const error = new Error('deadlock detected');
  expect(toActivityFailure(error)).toBe(error);
});
