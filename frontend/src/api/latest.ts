// Latest wins: at most one request of a kind in flight; while it is out, newer requests replace
// each other and only the newest is sent when the answer comes. Answers older than the newest
// one already applied are dropped. Pure bookkeeping, no I/O: the socket calls `send` itself.

export class LatestWins<T> {
  private inFlight: { id: number; at: number } | null = null;
  private pending: T | null = null;
  private applied = -1;

  constructor(private readonly timeoutMs = 3000) {}

  /** Returns the payload to send now, or null when it was queued behind the one in flight. */
  submit(payload: T, now: number): T | null {
    if (this.inFlight && now - this.inFlight.at < this.timeoutMs) {
      this.pending = payload;
      return null;
    }
    this.pending = null;
    return payload;
  }

  /** Keep `payload` as the newest request without sending it (e.g. while reconnecting). */
  queue(payload: T): void {
    this.pending = payload;
  }

  /** Call when a request went out with this id. */
  sent(id: number, now: number): void {
    this.inFlight = { id, at: now };
  }

  /**
   * Call when an answer (or error) for `id` arrives. Returns whether to apply it (newer than what
   * is shown) and the queued payload to send next, if any.
   */
  answered(id: number): { apply: boolean; next: T | null } {
    const apply = id > this.applied;
    if (apply) this.applied = id;
    if (this.inFlight && id >= this.inFlight.id) this.inFlight = null;
    let next: T | null = null;
    if (!this.inFlight && this.pending !== null) {
      next = this.pending;
      this.pending = null;
    }
    return { apply, next };
  }

  /** The connection dropped: nothing is in flight any more; returns what should be resent. */
  reset(): T | null {
    this.inFlight = null;
    const p = this.pending;
    this.pending = null;
    return p;
  }

  get busy(): boolean {
    return this.inFlight !== null;
  }
}
