// Group commit: items submitted while earlier commits are in flight are written together, each answered only after its commit.

export interface GroupCommitOptions<T, R> {
  /** Writes a batch in one statement or transaction and returns one result per item, in order. */
  commit(items: T[]): Promise<R[]>;
  /** A failed batch of several items is retried in halves, down to single items, when this says the error may be one item's fault. */
  isItemError(error: unknown): boolean;
  /** Batches being committed at once (each takes one database connection). */
  maxInFlight: number;
  maxItems: number;
  /** Size budget of one batch; a single item over it still goes, alone. */
  maxBytes: number;
  sizeOf(item: T): number;
}

interface Pending<T, R> {
  item: T;
  resolve(result: R): void;
  reject(error: unknown): void;
}

/**
 * No timer: an item arriving while fewer than `maxInFlight` batches are committing is written at once, so an idle
 * system adds no latency; under load the queue fills while commits run, and each commit takes everything waiting.
 */
export class GroupCommit<T, R> {
  private readonly queue: Pending<T, R>[] = [];
  private inFlight = 0;

  constructor(private readonly options: GroupCommitOptions<T, R>) {}

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.drain();
    });
  }

  private drain(): void {
    while (this.inFlight < this.options.maxInFlight && this.queue.length > 0) {
      const batch = this.takeBatch();
      this.inFlight++;
      void this.commitBatch(batch).finally(() => {
        this.inFlight--;
        this.drain();
      });
    }
  }

  private takeBatch(): Pending<T, R>[] {
    let bytes = 0;
    let count = 0;
    for (const { item } of this.queue) {
      bytes += this.options.sizeOf(item);
      if (count > 0 && (count === this.options.maxItems || bytes > this.options.maxBytes)) break;
      count++;
    }
    return this.queue.splice(0, count);
  }

  private async commitBatch(batch: Pending<T, R>[]): Promise<void> {
    try {
      const results = await this.options.commit(batch.map(({ item }) => item));
      batch.forEach((pending, index) => pending.resolve(results[index]!));
    } catch (error) {
      if (batch.length > 1 && this.options.isItemError(error)) {
        // Halves, one after the other: one bad item among n costs about 2·log2(n) commits, on one connection at a time.
        const half = Math.ceil(batch.length / 2);
        await this.commitBatch(batch.slice(0, half));
        await this.commitBatch(batch.slice(half));
      } else {
        for (const pending of batch) pending.reject(error);
      }
    }
  }
}
