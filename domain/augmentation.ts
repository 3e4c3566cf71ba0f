// Augmentation business rules: workflow status, risk, financial health and custom calculations of an opportunity.
// Pure and deterministic: the result depends only on (snapshot, now). Bump AUGMENTATION_FORMULA_VERSION on any rule change.
import type { OpportunitySnapshot } from './opportunity';

export const AUGMENTATION_FORMULA_VERSION = '1';

export type WorkflowStatus = 'prospect' | 'quoted' | 'confirmed' | 'on_hold' | 'completed' | 'closed_lost' | 'deleted';
export const RISK_LEVELS = ['low', 'medium', 'high', 'critical'] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

export interface CustomCalculations {
  durationDays: number | null;
  daysUntilStart: number | null;
  chargeExcludingTax: number;
  taxTotal: number;
  effectiveTaxRate: number | null;
  dailyRevenue: number | null;
}

export interface Augmentation {
  workflowStatus: WorkflowStatus;
  riskLevel: RiskLevel;
  riskScore: number;
  riskNotes: string[];
  financialHealthScore: number;
  customCalculations: CustomCalculations;
  formulaVersion: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Codes (see OPPORTUNITY_STATES / OPPORTUNITY_STATUSES in ./opportunity)

const STATE_QUOTATION = 2;
const STATE_ORDER = 3;
const STATUS_COMPLETED = 40;
const STATUSES_CLOSED_LOST: readonly number[] = [50, 60, 70]; // Cancelled, Lost, Dead
const STATUS_POSTPONED = 80;

const MS_PER_DAY = 86_400_000;

// ---------------------------------------------------------------------------------------------------------------
// Numbers and dates

/** Rounds half away from zero to `decimals` places (tolerant of binary float noise such as 1.005); never returns -0. */
export function roundTo(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  const rounded = (Math.sign(value) * Math.round(Math.abs(value) * factor * (1 + Number.EPSILON))) / factor;
  return rounded === 0 ? 0 : rounded;
}

/** Money: a decimal string parsed with Number(); anything non-finite counts as 0. Rounded to 2 decimals. */
export function parseMoney(value: string): number {
  const parsed = Number(value);
  return Number.isFinite(parsed) ? roundTo(parsed, 2) : 0;
}

// ISO 8601 date or date-time; a date-time without an offset is read as UTC (never the process time zone).
const ISO_TIMESTAMP = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)(Z|[+-]\d{2}:\d{2})?)?$/i;

/** YYYY-MM-DD names a real day (Date.parse would roll 2024-02-30 over to 1 March). */
function isCalendarDate(date: string): boolean {
  const [year, month, day] = date.split('-').map(Number);
  if (year === undefined || month === undefined || day === undefined) return false;
  return month >= 1 && month <= 12 && day >= 1 && day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Milliseconds since the epoch of an ISO 8601 timestamp; null when missing or not ISO 8601 (treated as missing). */
export function parseTimestamp(value: string | null): number | null {
  if (value === null) return null;
  const match = ISO_TIMESTAMP.exec(value.trim());
  if (!match) return null;
  const [, date, time, offset] = match;
  if (date === undefined || !isCalendarDate(date)) return null;
  const ms = time === undefined ? Date.parse(`${date}T00:00:00Z`) : Date.parse(`${date}T${time}${(offset ?? 'Z').toUpperCase()}`);
  return Number.isFinite(ms) ? ms : null;
}

/** Whole-or-fractional days between two instants (b − a). */
const daysBetween = (a: number, b: number): number => (b - a) / MS_PER_DAY;

/** Clamps a score to 0..100 and rounds it to an integer. */
export function clampScore(score: number): number {
  return Math.round(Math.min(100, Math.max(0, score)));
}

// ---------------------------------------------------------------------------------------------------------------
// Workflow status: first matching rule wins

interface WorkflowStatusRule {
  rule: string;
  applies: (s: OpportunitySnapshot) => boolean;
  status: WorkflowStatus;
}

const WORKFLOW_STATUS_RULES: readonly WorkflowStatusRule[] = [
  // deleted in Current RMS → deleted
  { rule: 'deleted', applies: (s) => s.deleted, status: 'deleted' },
  // status 50/60/70 (Cancelled/Lost/Dead) → closed_lost
  { rule: 'status Cancelled/Lost/Dead', applies: (s) => s.status !== null && STATUSES_CLOSED_LOST.includes(s.status), status: 'closed_lost' },
  // status 40 (Completed) → completed
  { rule: 'status Completed', applies: (s) => s.status === STATUS_COMPLETED, status: 'completed' },
  // status 80 (Postponed) → on_hold
  { rule: 'status Postponed', applies: (s) => s.status === STATUS_POSTPONED, status: 'on_hold' },
  // state 3 (Order) → confirmed
  { rule: 'state Order', applies: (s) => s.state === STATE_ORDER, status: 'confirmed' },
  // state 2 (Quotation) → quoted
  { rule: 'state Quotation', applies: (s) => s.state === STATE_QUOTATION, status: 'quoted' },
];

/** The workflow status of the first matching rule; `prospect` when none matches. */
function workflowStatusOf(snapshot: OpportunitySnapshot): WorkflowStatus {
  return WORKFLOW_STATUS_RULES.find((r) => r.applies(snapshot))?.status ?? 'prospect';
}

/** Workflow statuses that are finished: risk rules do not apply to them. */
const FINISHED_STATUSES: readonly WorkflowStatus[] = ['closed_lost', 'completed', 'deleted'];

// ---------------------------------------------------------------------------------------------------------------
// Custom calculations

/** Everything the risk and health rules read, computed once from (snapshot, now). */
interface AugmentationFacts {
  snapshot: OpportunitySnapshot;
  workflowStatus: WorkflowStatus;
  /** The Current RMS state, null when unknown (a null state is below every state threshold). */
  state: number | null;
  startsAtMs: number | null;
  endsAtMs: number | null;
  nowMs: number;
  chargeTotal: number;
  chargeExcludingTax: number;
  chargeIncludingTax: number;
  calculations: CustomCalculations;
}

function customCalculationsOf(snapshot: OpportunitySnapshot, now: Date): CustomCalculations {
  const startsAt = parseTimestamp(snapshot.startsAt);
  const endsAt = parseTimestamp(snapshot.endsAt);
  const chargeExcludingTax = parseMoney(snapshot.chargeExcludingTaxTotal);
  const taxTotal = parseMoney(snapshot.taxTotal);
  // durationDays = (endsAt − startsAt) in days, 2 decimals; null if either date is missing
  const durationDays = startsAt !== null && endsAt !== null ? roundTo(daysBetween(startsAt, endsAt), 2) : null;
  // daysUntilStart = (startsAt − now) in days, floored; null if startsAt is missing
  const daysUntilStart = startsAt !== null ? Math.floor(daysBetween(now.getTime(), startsAt)) : null;
  // effectiveTaxRate = taxTotal / chargeExcludingTax, 4 decimals; null when chargeExcludingTax is 0
  const effectiveTaxRate = chargeExcludingTax !== 0 ? roundTo(taxTotal / chargeExcludingTax, 4) : null;
  // dailyRevenue = chargeExcludingTax / max(1, durationDays), 2 decimals; null when durationDays is null
  const dailyRevenue = durationDays !== null ? roundTo(chargeExcludingTax / Math.max(1, durationDays), 2) : null;
  return { durationDays, daysUntilStart, chargeExcludingTax, taxTotal, effectiveTaxRate, dailyRevenue };
}

function factsOf(snapshot: OpportunitySnapshot, now: Date): AugmentationFacts {
  return {
    snapshot,
    workflowStatus: workflowStatusOf(snapshot),
    state: snapshot.state,
    startsAtMs: parseTimestamp(snapshot.startsAt),
    endsAtMs: parseTimestamp(snapshot.endsAt),
    nowMs: now.getTime(),
    chargeTotal: parseMoney(snapshot.chargeTotal),
    chargeExcludingTax: parseMoney(snapshot.chargeExcludingTaxTotal),
    chargeIncludingTax: parseMoney(snapshot.chargeIncludingTaxTotal),
    calculations: customCalculationsOf(snapshot, now),
  };
}

/** state < n, where an unknown (null) state is below every threshold. */
const stateBelow = (f: AugmentationFacts, n: number): boolean => f.state === null || f.state < n;
/** state ≥ n, where an unknown (null) state is below every threshold. */
const stateAtLeast = (f: AugmentationFacts, n: number): boolean => f.state !== null && f.state >= n;
const days = (n: number) => (n === 1 ? '1 day' : `${n} days`);
const withArticle = (label: string) => (/^[aeiou]/i.test(label) ? `an ${label}` : `a ${label}`);

/** 0 ≤ daysUntilStart ≤ n */
const startsWithin = (f: AugmentationFacts, n: number): boolean => {
  const d = f.calculations.daysUntilStart;
  return d !== null && d >= 0 && d <= n;
};
const stateLabel = (f: AugmentationFacts): string => f.snapshot.stateName ?? `state ${f.state ?? 'unknown'}`;

// ---------------------------------------------------------------------------------------------------------------
// Risk: each rule that fires adds points and a note; none apply to finished (closed_lost/completed/deleted) opportunities

interface RiskRule {
  rule: string;
  points: number;
  /** The note when the rule fires, null when it does not. */
  check: (f: AugmentationFacts) => string | null;
}

const startsSoonNotAnOrder = (f: AugmentationFacts): boolean => startsWithin(f, 7) && stateBelow(f, STATE_ORDER);

const RISK_RULES: readonly RiskRule[] = [
  // starts within 7 days (0 ≤ daysUntilStart ≤ 7) and state < 3 (not yet an order): +3
  {
    rule: 'starts within 7 days, not an order',
    points: 3,
    check: (f) => (startsSoonNotAnOrder(f) ? `Starts in ${days(f.calculations.daysUntilStart!)} but is still ${withArticle(stateLabel(f))}` : null),
  },
  // otherwise (the rule above did not fire) starts within 30 days and state < 2 (no quotation): +1
  {
    rule: 'starts within 30 days, no quotation',
    points: 1,
    check: (f) =>
      !startsSoonNotAnOrder(f) && startsWithin(f, 30) && stateBelow(f, STATE_QUOTATION)
        ? `Starts in ${days(f.calculations.daysUntilStart!)} and has no quotation yet`
        : null,
  },
  // state ≥ 2 (quotation or order) and chargeTotal = 0: +2
  {
    rule: 'no charges on a quotation or order',
    points: 2,
    check: (f) => (stateAtLeast(f, STATE_QUOTATION) && f.chargeTotal === 0 ? 'No charges on a quotation or order' : null),
  },
  // ownerId null: +1
  { rule: 'no owner', points: 1, check: (f) => (f.snapshot.ownerId === null ? 'No owner assigned' : null) },
  // endsAt before now (and not completed/closed): +2; N = whole days since the end, at least 1
  {
    rule: 'ended but not completed',
    points: 2,
    check: (f) =>
      f.endsAtMs !== null && f.endsAtMs < f.nowMs
        ? `Ended ${days(Math.max(1, Math.floor(daysBetween(f.endsAtMs, f.nowMs))))} ago but is not completed`
        : null,
  },
  // endsAt before startsAt: +3
  {
    rule: 'ends before it starts',
    points: 3,
    check: (f) => (f.endsAtMs !== null && f.startsAtMs !== null && f.endsAtMs < f.startsAtMs ? 'Ends before it starts' : null),
  },
  // memberId null and state ≥ 2 (quotation or order): +1
  {
    rule: 'no customer on a quotation or order',
    points: 1,
    check: (f) =>
      f.snapshot.memberId === null && stateAtLeast(f, STATE_QUOTATION) ? 'No customer (member) on a quotation or order' : null,
  },
];

/** Risk level by score: 0 → low, 1–2 → medium, 3–4 → high, ≥ 5 → critical. */
export function riskLevelOf(score: number): RiskLevel {
  if (score >= 5) return 'critical';
  if (score >= 3) return 'high';
  if (score >= 1) return 'medium';
  return 'low';
}

function riskOf(f: AugmentationFacts): { riskScore: number; riskNotes: string[]; riskLevel: RiskLevel } {
  // finished opportunities (closed_lost, completed, deleted) carry no risk: low, score 0, no notes
  if (FINISHED_STATUSES.includes(f.workflowStatus)) return { riskScore: 0, riskNotes: [], riskLevel: 'low' };
  let riskScore = 0;
  const riskNotes: string[] = [];
  for (const rule of RISK_RULES) {
    const note = rule.check(f);
    if (note === null) continue;
    riskScore += rule.points;
    riskNotes.push(note);
  }
  return { riskScore, riskNotes, riskLevel: riskLevelOf(riskScore) };
}

// ---------------------------------------------------------------------------------------------------------------
// Financial health: integer 0..100

const HEALTH_BASE = 50;
const HEALTH_PER_RISK_POINT = -3;

/** Size of the deal: chargeExcludingTax ≥ 10000 → +20, ≥ 1000 → +10, = 0 → −30, otherwise 0. */
const chargeSizeAdjustment = (chargeExcludingTax: number): number =>
  chargeExcludingTax >= 10_000 ? 20 : chargeExcludingTax >= 1_000 ? 10 : chargeExcludingTax === 0 ? -30 : 0;

/** Progress: state 3 (Order) → +20, state 2 (Quotation) → +10, otherwise 0. */
const stateAdjustment = (state: number | null): number => (state === STATE_ORDER ? 20 : state === STATE_QUOTATION ? 10 : 0);

/** Completed → +10. */
const completedAdjustment = (status: WorkflowStatus): number => (status === 'completed' ? 10 : 0);

/** Inconsistent totals: chargeIncludingTax < chargeExcludingTax → −20. */
const consistencyAdjustment = (f: AugmentationFacts): number => (f.chargeIncludingTax < f.chargeExcludingTax ? -20 : 0);

function financialHealthScoreOf(f: AugmentationFacts, riskScore: number): number {
  // closed_lost or deleted → 0
  if (f.workflowStatus === 'closed_lost' || f.workflowStatus === 'deleted') return 0;
  // 50 + size + state + completed + consistency − 3 per risk point, clamped to 0..100 and rounded
  return clampScore(
    HEALTH_BASE +
      chargeSizeAdjustment(f.chargeExcludingTax) +
      stateAdjustment(f.state) +
      completedAdjustment(f.workflowStatus) +
      consistencyAdjustment(f) +
      HEALTH_PER_RISK_POINT * riskScore,
  );
}

// ---------------------------------------------------------------------------------------------------------------

/** Computes the augmentation of an opportunity snapshot as of `now`. */
export function augmentOpportunity(snapshot: OpportunitySnapshot, now: Date): Augmentation {
  if (Number.isNaN(now.getTime())) throw new RangeError('augmentOpportunity: `now` is an invalid Date');
  const facts = factsOf(snapshot, now);
  const { riskScore, riskNotes, riskLevel } = riskOf(facts);
  return {
    workflowStatus: facts.workflowStatus,
    riskLevel,
    riskScore,
    riskNotes,
    financialHealthScore: financialHealthScoreOf(facts, riskScore),
    customCalculations: facts.calculations,
    formulaVersion: AUGMENTATION_FORMULA_VERSION,
  };
}
