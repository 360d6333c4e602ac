import { describe, expect, it } from "vitest";
import { lossData, qualityData } from "./chart";

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

describe("qualityData", () => {
  it("gives each epoch's test PSNR and SSIM in epoch order, non-finite values as gaps", () => {
    const e = (epoch: number, psnr: number | null, ssim: number | null) => ({ epoch, train_loss: 0.1, test_loss: 0.1, psnr, ssim });
    expect(qualityData([e(2, 18.5, 0.8), e(1, 14, 0.6), e(3, Infinity, null)])).toEqual([
      [1, 2, 3],
      [14, 18.5, null],
      [0.6, 0.8, null],
    ]);
    expect(qualityData([])).toEqual([[], [], []]);
  });
});
