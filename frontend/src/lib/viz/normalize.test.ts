import { describe, expect, it } from "vitest";
import { channelRanges, displayRanges, keepSameRanges, rangeOf, symmetric, union, unit, type Range } from "./normalize";
import type { FloatTensor } from "./tensor8";

const t = (channels: number, values: number[]): FloatTensor => ({
  channels,
  height: 1,
  width: values.length / channels,
  data: Float32Array.from(values),
});

describe("normalisation", () => {
  const a = t(2, [0, 1, 2, 10, 20, 30]); // channel ranges [0,2], [10,30]
  const b = t(1, [-5, 5]);

  it("computes a tensor's channel ranges once per array of values, and again for another shape of the same values", () => {
    const values = Float32Array.from([0, 1, 2, 10, 20, 30]);
    const first = channelRanges({ channels: 2, height: 1, width: 3, data: values });
    expect(channelRanges({ channels: 2, height: 1, width: 3, data: values })).toBe(first); // the same answer object
    expect(channelRanges({ channels: 3, height: 1, width: 2, data: values })).toEqual([
      [0, 1],
      [2, 10],
      [20, 30],
    ]);
    expect(channelRanges({ channels: 2, height: 1, width: 3, data: Float32Array.from(values) })).not.toBe(first);
  });

  it("finds ranges", () => {
    expect(rangeOf([3, -1, 2])).toEqual([-1, 3]);
    expect(rangeOf([])).toEqual([0, 0]);
    expect(channelRanges(a)).toEqual([
      [0, 2],
      [10, 30],
    ]);
    expect(union([[0, 2], [-1, 1]])).toEqual([-1, 2]);
  });

  it("per channel: each channel its own range", () => {
    expect(displayRanges([a, b], "channel")).toEqual([[[0, 2], [10, 30]], [[-5, 5]]]);
  });

  it("per layer: every channel of a layer shares the layer's range", () => {
    expect(displayRanges([a, b], "layer")).toEqual([[[0, 30], [0, 30]], [[-5, 5]]]);
  });

  it("global: one range over all layers", () => {
    expect(displayRanges([a, b], "global")).toEqual([[[-5, 30], [-5, 30]], [[-5, 30]]]);
  });

  it("maps values into 0..1 and clamps; flat ranges give 0", () => {
    expect(unit(5, 0, 10)).toBe(0.5);
    expect(unit(-1, 0, 10)).toBe(0);
    expect(unit(11, 0, 10)).toBe(1);
    expect(unit(3, 3, 3)).toBe(0);
  });

  it("makes symmetric ranges for diverging maps", () => {
    expect(symmetric([-0.2, 0.7])).toEqual([-0.7, 0.7]);
  });
});

describe("keepSameRanges", () => {
  it("keeps the previous objects of layers whose ranges are the same numbers", () => {
    const prev: Range[][] = [[[0, 1], [0, 2]], [[1, 3]]];
    const next: Range[][] = [[[0, 1], [0, 2]], [[1, 4]]];
    const out = keepSameRanges(prev, next);
    expect(out[0]).toBe(prev[0]); // unchanged layer: same object, no repaint
    expect(out[1]).toBe(next[1]);
    expect(out).toEqual(next);
    expect(keepSameRanges(prev, [[[0, 1], [0, 2]], [[1, 3]]])).toBe(prev);
    expect(keepSameRanges(null, next)).toBe(next);
    expect(keepSameRanges(prev, [[[0, 1], [0, 2]]])).toEqual([[[0, 1], [0, 2]]]); // fewer layers: a new list
  });
});
