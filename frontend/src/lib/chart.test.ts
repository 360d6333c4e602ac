import { describe, expect, it } from "vitest";
import { lossData } from "./chart";

describe("lossData", () => {
  it("gives one point per batch and a test-loss marker at each epoch's last batch", () => {
    const [x, y, t] = lossData([0.7, 0.5, 0.4, 0.3], [{ epoch: 1, train_loss: 0.5, test_loss: 0.45, psnr: 10, ssim: 0.5 }], 2);
    expect(x).toEqual([0, 1, 2, 3]);
    expect(y).toEqual([0.7, 0.5, 0.4, 0.3]);
    expect(t).toEqual([null, 0.45, null, null]);
  });

  it("extends x when a marker lies past the last loss received", () => {
    const [x, y, t] = lossData([0.7], [{ epoch: 1, train_loss: 0.5, test_loss: 0.4, psnr: 10, ssim: 0.5 }], 3);
    expect(x).toEqual([0, 1, 2]);
    expect(y).toEqual([0.7, null, null]);
    expect(t).toEqual([null, null, 0.4]);
  });

  it("is empty for no data", () => {
    expect(lossData([], [], 10)).toEqual([[], [], []]);
  });
});
