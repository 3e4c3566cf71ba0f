// monday.com's per-minute complexity budget: each query costs points; the window resets 60 s after its first call.

/** Approximate costs per root field (monday's real costs depend on the selection; these keep mutations dearer than reads). */
const ROOT_FIELD_COSTS: Record<string, number> = {
  create_item: 30_000,
  change_multiple_column_values: 30_000,
  change_simple_column_value: 30_000,
  items_page_by_column_values: 5_000,
  items: 1_000,
  boards: 1_000,
  me: 10,
  complexity: 0,
};

/** A personal API token's budget on a paid plan. */
export const DEFAULT_BUDGET_PER_MINUTE = 10_000_000;
const WINDOW_MS = 60_000;

export interface ComplexityCharge {
  before: number;
  query: number;
  after: number;
  reset_in_x_seconds: number;
}

/** The budget cannot pay for the query: how long until the window resets, and what is left of it. */
export interface ComplexityRefusal {
  retryInSeconds: number;
  left: number;
  limit: number;
}

export function queryCost(rootFields: readonly string[]): number {
  return rootFields.reduce((sum, field) => sum + (ROOT_FIELD_COSTS[field] ?? 1_000), 0);
}

export class ComplexityBudget {
  private windowStartMs: number | null = null;
  private spent = 0;
  private perMinute: number;

  constructor(private readonly initialPerMinute = DEFAULT_BUDGET_PER_MINUTE) {
    this.perMinute = initialPerMinute;
  }

  get limit(): number {
    return this.perMinute;
  }

  setPerMinute(points: number): void {
    this.perMinute = points;
  }

  /** Spends `cost` and says what was left, or refuses when the budget cannot pay it. */
  charge(cost: number, now = Date.now()): ComplexityCharge | ComplexityRefusal {
    if (this.windowStartMs === null || now - this.windowStartMs >= WINDOW_MS) {
      this.windowStartMs = now;
      this.spent = 0;
    }
    const resetInSeconds = Math.max(1, Math.ceil((this.windowStartMs + WINDOW_MS - now) / 1000));
    const before = this.perMinute - this.spent;
    if (cost > before) return { retryInSeconds: resetInSeconds, left: before, limit: this.perMinute };
    this.spent += cost;
    return { before, query: cost, after: before - cost, reset_in_x_seconds: resetInSeconds };
  }

  /** A fresh window, with the budget the fake was started with. */
  reset(): void {
    this.perMinute = this.initialPerMinute;
    this.windowStartMs = null;
    this.spent = 0;
  }
}
