// The stalled-workflow rule: each sign (attempts, heartbeat, workflow task, no progress), its thresholds and its edges.
import { lastFailureOf, lastProgressAt, stallReasons, type PendingActivitySnapshot, type RunningWorkflowSnapshot, type StalledRule } from '../../domain/stalled-workflows';

const now = new Date('2026-11-23T12:00:00.000Z');
const ago = (seconds: number) => new Date(now.getTime() - seconds * 1000);
const rule: StalledRule = { minAttempts: 5, noProgressMinutes: 30 };

const activity = (fields: Partial<PendingActivitySnapshot> = {}): PendingActivitySnapshot => ({
  activityType: 'refreshOpportunity',
  state: 'scheduled',
  attempt: 1,
  lastFailure: null,
  lastStartedAt: null,
  lastHeartbeatAt: null,
  heartbeatTimeoutMs: null,
  ...fields,
});

const snapshot = (fields: Partial<RunningWorkflowSnapshot> = {}): RunningWorkflowSnapshot => ({ lastEventAt: ago(10), pendingActivities: [], pendingWorkflowTask: null, ...fields });
const codes = (value: RunningWorkflowSnapshot, withRule = rule) => stallReasons(value, withRule, now).map((reason) => reason.code);

test('a healthy run, or one only waiting (timer, signal) for hours, is not stalled', () => {
  expect(stallReasons(snapshot({ pendingActivities: [activity({ attempt: 4 })] }), rule, now)).toEqual([]);
  expect(stallReasons(snapshot({ lastEventAt: ago(6 * 3600) }), rule, now)).toEqual([]);
});

test('a pending activity on attempt N or later is stalled, with the activity and attempt in the message', () => {
  expect(codes(snapshot({ pendingActivities: [activity({ attempt: 4 })] }))).toEqual([]);
  const reasons = stallReasons(snapshot({ pendingActivities: [activity({ attempt: 5 })] }), rule, now);
  expect(reasons).toEqual([{ code: 'activity-attempts', message: 'Activity refreshOpportunity is on attempt 5 (stalled from attempt 5)' }]);
  expect(codes(snapshot({ pendingActivities: [activity({ attempt: 3 })] }), { ...rule, minAttempts: 3 })).toEqual(['activity-attempts']);
});

test('a started activity whose last heartbeat (or, without one, its start) is older than its heartbeat timeout is stalled', () => {
  const beating = (fields: Partial<PendingActivitySnapshot>) => snapshot({ pendingActivities: [activity({ state: 'started', heartbeatTimeoutMs: 10_000, lastStartedAt: ago(60), ...fields })] });
  expect(codes(beating({ lastHeartbeatAt: ago(9) }))).toEqual([]);
  expect(stallReasons(beating({ lastHeartbeatAt: ago(11) }), rule, now)).toEqual([
    { code: 'heartbeat-timeout', message: 'Activity refreshOpportunity last heartbeat 11 s ago, past its 10 s heartbeat timeout' },
  ]);
  expect(codes(beating({ lastHeartbeatAt: null }))).toEqual(['heartbeat-timeout']);
  expect(codes(beating({ lastHeartbeatAt: null, lastStartedAt: ago(5) }))).toEqual([]);
  // Only a started attempt heartbeats; an activity without a heartbeat timeout never times out on heartbeats.
  expect(codes(beating({ state: 'scheduled', lastHeartbeatAt: ago(11) }))).toEqual([]);
  expect(codes(beating({ heartbeatTimeoutMs: null, lastHeartbeatAt: ago(11) }))).toEqual([]);
});

test('a workflow task failing again and again (attempt N or later) is stalled', () => {
  expect(codes(snapshot({ pendingWorkflowTask: { attempt: 4 } }))).toEqual([]);
  expect(stallReasons(snapshot({ pendingWorkflowTask: { attempt: 5 } }), rule, now)).toEqual([
    { code: 'workflow-task-attempts', message: 'The workflow task is on attempt 5 (stalled from attempt 5): the workflow code keeps failing' },
  ]);
});

test('no history event and no heartbeat for T minutes while work is outstanding is stalled', () => {
  const pending = [activity({ attempt: 2 })];
  expect(codes(snapshot({ lastEventAt: ago(29 * 60 + 59), pendingActivities: pending }))).toEqual([]);
  expect(stallReasons(snapshot({ lastEventAt: ago(30 * 60), pendingActivities: pending }), rule, now)).toEqual([
    { code: 'no-progress', message: 'No progress for 30 min (stalled after 30 min) while work is outstanding' },
  ]);
  // A recent heartbeat is progress, even with no new history event.
  expect(codes(snapshot({ lastEventAt: ago(3600), pendingActivities: [activity({ state: 'started', lastHeartbeatAt: ago(60), lastStartedAt: ago(3600) })] }))).toEqual([]);
  // A workflow task nobody picks up (no worker polling) is outstanding work too.
  expect(codes(snapshot({ lastEventAt: ago(45 * 60), pendingWorkflowTask: { attempt: 1 } }))).toEqual(['no-progress']);
  expect(stallReasons(snapshot({ lastEventAt: ago(20), pendingWorkflowTask: { attempt: 1 } }), { ...rule, noProgressMinutes: 0.25 }, now)[0]!.message).toBe(
    'No progress for 20 s (stalled after 0.25 min) while work is outstanding',
  );
});

test('every broken rule is reported, in a stable order', () => {
  const stuck = snapshot({
    lastEventAt: ago(3600),
    pendingActivities: [activity({ attempt: 7 }), activity({ activityType: 'finishEventProcessing', state: 'started', attempt: 1, heartbeatTimeoutMs: 10_000, lastStartedAt: ago(40 * 60) })],
    pendingWorkflowTask: { attempt: 6 },
  });
  expect(codes(stuck)).toEqual(['activity-attempts', 'heartbeat-timeout', 'workflow-task-attempts', 'no-progress']);
});

test('the last failure shown is the one of the pending activity with the most attempts', () => {
  expect(lastFailureOf(snapshot())).toBeNull();
  expect(lastFailureOf(snapshot({ pendingActivities: [activity({ attempt: 1 })] }))).toBeNull();
  const failing = snapshot({
    pendingActivities: [activity({ attempt: 2, lastFailure: 'timeout' }), activity({ attempt: 9, lastFailure: 'Current RMS answered 500' }), activity({ attempt: 12 })],
  });
  expect(lastFailureOf(failing)).toBe('Current RMS answered 500');
});

test('progress is the newest of the last history event and the pending activities’ heartbeats', () => {
  expect(lastProgressAt(snapshot({ lastEventAt: null }))).toBeNull();
  expect(lastProgressAt(snapshot({ lastEventAt: ago(600), pendingActivities: [activity({ lastHeartbeatAt: ago(30) }), activity({ lastHeartbeatAt: ago(90) })] }))).toEqual(ago(30));
  expect(lastProgressAt(snapshot({ lastEventAt: ago(5), pendingActivities: [activity({ lastHeartbeatAt: ago(30) })] }))).toEqual(ago(5));
});
