import { describe, expect, it } from "vitest";
import { LatestWins } from "./latest";

describe("LatestWins", () => {
  it("sends the first request, queues newer ones and sends only the newest after the answer", () => {
    const q = new LatestWins<string>();
    expect(q.submit("a", 0)).toBe("a");
    q.sent(1, 0);
    expect(q.submit("b", 1)).toBeNull();
    expect(q.submit("c", 2)).toBeNull();
    expect(q.answered(1)).toEqual({ apply: true, next: "c" });
    q.sent(2, 3);
    expect(q.answered(2)).toEqual({ apply: true, next: null });
    expect(q.busy).toBe(false);
  });

  it("drops answers older than one already applied", () => {
    const q = new LatestWins<string>();
    q.sent(5, 0);
    expect(q.answered(5).apply).toBe(true);
    expect(q.answered(3).apply).toBe(false);
  });

  it("stops waiting for an answer after the timeout", () => {
    const q = new LatestWins<string>(100);
    q.sent(1, 0);
    expect(q.submit("late", 50)).toBeNull();
    expect(q.submit("later", 150)).toBe("later");
  });

  it("returns the pending request on reset (reconnect)", () => {
    const q = new LatestWins<string>();
    q.sent(1, 0);
    q.submit("x", 1);
    expect(q.reset()).toBe("x");
    expect(q.busy).toBe(false);
    expect(q.reset()).toBeNull();
  });
});

describe("LatestWins.queue", () => {
  it("keeps the newest queued payload for after a reconnect", () => {
    const q = new LatestWins<string>();
    q.queue("a");
    q.queue("b");
    expect(q.reset()).toBe("b");
  });
});
