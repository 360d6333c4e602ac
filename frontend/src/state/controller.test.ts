import { describe, expect, it } from "vitest";
import { initialModel } from "./controller";
import type { ModelSummary } from "../api/types";

const m = (id: string, pretrained: boolean, dataset: string, created: string) => ({ id, pretrained, dataset, created }) as ModelSummary;

describe("initialModel", () => {
  it("opens a pretrained MNIST model first", () => {
    const models = [m("mine", false, "mnist", "2026-02-01"), m("fashion", true, "fashion-mnist", "2026-01-01"), m("digits", true, "mnist", "2026-01-01")];
    expect(initialModel(models)?.id).toBe("digits");
  });

  it("falls back to any pretrained model, then to the newest", () => {
    expect(initialModel([m("a", false, "mnist", "2026-01-01"), m("f", true, "fashion-mnist", "2025-01-01")])?.id).toBe("f");
    expect(initialModel([m("old", false, "mnist", "2026-01-01"), m("new", false, "mnist", "2026-03-01")])?.id).toBe("new");
    expect(initialModel([])).toBeUndefined();
  });
});
