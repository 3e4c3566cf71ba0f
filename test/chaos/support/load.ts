// The webhook stream: creates and updates of a pool of Current RMS opportunities, each POSTed to the intake as Current RMS would, with every answer recorded.
import { randomInt } from 'node:crypto';
import { webhookAction, type CurrentRmsWebhookBody } from '../../fakes/current-rms-driver';
import type { FakeCurrentRms } from '../../fakes/current-rms';

export interface StreamOptions {
  opportunities: number;
  perSecond: number;
  /** Customers (Current RMS members) the opportunities belong to: Xero contacts are shared between them. */
  members: number;
  /** A delivery without an answer after this long is a hang. */
  timeoutMs: number;
  /** A refused delivery (503, 5xx, no answer) is sent again after this long, as a webhook sender retries. */
  retryDelayMs: number;
}

/** One POST and how it ended: an HTTP status, or no answer within the timeout, or a refused connection. */
export interface Delivery {
  startedAt: number;
  durationMs: number;
  outcome: number | 'hang' | 'network-error';
}

const STATUSES = [0, 1, 5] as const; // Open, Provisional, Reserved: all live, all synced

export class WebhookStream {
  readonly deliveries: Delivery[] = [];
  /** Event ids answered with 2xx (202 new, or 200 for a repeated delivery of a stored one). */
  readonly acceptedEventIds = new Set<string>();
  /** Webhooks generated (each may take several deliveries). */
  generated = 0;
  /** Webhooks still waiting for a 2xx. */
  private readonly unacknowledged = new Set<number>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly versions = new Map<number, number>();
  private readonly ids: number[];
  private timer: NodeJS.Timeout | undefined;
  private draining = false;

  constructor(
    private readonly url: string,
    private readonly currentRms: FakeCurrentRms,
    private readonly options: StreamOptions,
  ) {
    // Ids from a random base, so nothing collides with an earlier run's data in Temporal or the fakes.
    const base = randomInt(1_000_000, 1_000_000_000);
    this.ids = Array.from({ length: options.opportunities }, (_, index) => base + index);
  }

  start(): void {
    this.timer = setInterval(() => this.next(), 1_000 / this.options.perSecond);
  }

  /** Stops generating, then waits (at most `timeoutMs`) until every generated webhook got a 2xx. Returns how many never did. */
  async stop(timeoutMs: number): Promise<number> {
    clearInterval(this.timer);
    const deadline = Date.now() + timeoutMs;
    while ((this.unacknowledged.size > 0 || this.inFlight.size > 0) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    this.draining = true;
    await Promise.allSettled([...this.inFlight]);
    return this.unacknowledged.size;
  }

  /** The opportunities the stream created in Current RMS. */
  opportunityIds(): number[] {
    return this.ids.filter((id) => this.versions.has(id));
  }

  private next(): void {
    const id = this.ids[randomInt(this.ids.length)]!;
    const version = (this.versions.get(id) ?? 0) + 1;
    this.versions.set(id, version);
    const member = (id % this.options.members) + 1;
    const opportunity = this.currentRms.upsertOpportunity({
      id,
      subject: `Chaos opportunity ${id} v${version}`,
      charge_total: (randomInt(10_000, 500_000) / 100).toFixed(2),
      charge_excluding_tax_total: (randomInt(10_000, 500_000) / 100).toFixed(2),
      status: STATUSES[randomInt(STATUSES.length)]!,
      ...(version === 1 ? { member_id: member, member: { id: member, name: `Chaos customer ${member}` } } : {}),
    });
    this.generated += 1;
    this.send(this.generated, webhookAction(opportunity, version === 1 ? 'create' : 'update'));
  }

  private send(webhook: number, body: CurrentRmsWebhookBody): void {
    this.unacknowledged.add(webhook);
    const delivery = this.deliver(body).then(({ outcome, eventId }) => {
      if (eventId !== undefined) {
        this.acceptedEventIds.add(eventId);
        this.unacknowledged.delete(webhook);
      } else if (typeof outcome === 'number' && outcome < 500) {
        this.unacknowledged.delete(webhook); // refused for good (a 4xx): counted, never retried
      } else if (!this.draining) {
        setTimeout(() => (this.draining ? undefined : this.send(webhook, body)), this.options.retryDelayMs);
      }
    });
    this.inFlight.add(delivery);
    void delivery.finally(() => this.inFlight.delete(delivery));
  }

  private async deliver(body: CurrentRmsWebhookBody): Promise<{ outcome: Delivery['outcome']; eventId?: string }> {
    const startedAt = Date.now();
    let outcome: Delivery['outcome'];
    let eventId: string | undefined;
    try {
      const response = await fetch(this.url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'User-Agent': 'CurrentRMS-Webhooks/1.0' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      const text = await response.text();
      outcome = response.status;
      if (response.ok) eventId = (JSON.parse(text) as { eventId: string }).eventId;
    } catch (error) {
      outcome = (error as Error).name === 'TimeoutError' ? 'hang' : 'network-error';
    }
    this.deliveries.push({ startedAt, durationMs: Date.now() - startedAt, outcome });
    return { outcome, eventId };
  }
}
