import { describe, expect, it } from "vitest";
import type { SweepJob } from "../api/types";
import {
  combinations,
  curvesData,
  gridErrors,
  jobStyles,
  metricData,
  metricPlot,
  nearest,
  parseValues,
  stateCounts,
  stateTone,
  suggestValues,
  sweepName,
} from "./sweep";
import { defaultSpec } from "../state/slices/draft";

const job = (id: string, params: Record<string, unknown>, psnr: number | null, state: SweepJob["state"] = "done"): SweepJob => ({
  job_id: id,
  params,
  state,
  model_id: state === "done" ? `m-${id}` : null,
  test_loss: psnr === null ? null : 1 / psnr,
  psnr,
  ssim: psnr === null ? null : psnr / 100,
});

describe("parseValues", () => {
  it("reads numbers within the spec's bounds", () => {
    expect(parseValues("latent_dim", " 2, 4,8 ,16")).toEqual({ values: [2, 4, 8, 16] });
    expect(parseValues("learning_rate", "1e-3, 0.01")).toEqual({ values: [0.001, 0.01] });
  });

  it("says what is wrong with a value", () => {
    expect(parseValues("latent_dim", "2, 65")).toEqual({ error: "65 is out of range (1 … 64)" });
    expect(parseValues("latent_dim", "2.5")).toEqual({ error: "“2.5” is not a whole number" });
    expect(parseValues("latent_dim", "two")).toEqual({ error: "“two” is not a number" });
    expect(parseValues("learning_rate", "0")).toEqual({ error: "0 is out of range (0 < x ≤ 1)" });
    expect(parseValues("latent_dim", "2,,4")).toEqual({ error: "an empty value between commas" });
    expect(parseValues("latent_dim", "  ")).toEqual({ error: "type one or more values, comma-separated" });
    expect(parseValues("latent_dim", "4, 2, 4")).toEqual({ error: "4 is given twice" });
  });

  it("reads choices by their schema names", () => {
    expect(parseValues("activation", "relu, gelu")).toEqual({ values: ["relu", "gelu"] });
    expect(parseValues("kernel", "3, 5")).toEqual({ values: [3, 5] });
    expect(parseValues("kernel", "4")).toEqual({ error: "“4” is not one of 3, 5" });
    expect(parseValues("activation", "relu, sigmoid")).toMatchObject({ error: expect.stringContaining("“sigmoid” is not one of relu") });
  });

  it("suggests a new field's values from the spec", () => {
    const spec = { ...defaultSpec(), epochs: 3 };
    expect(suggestValues("epochs", spec)).toBe("3");
    expect(suggestValues("loss", spec)).toBe("bce, mse");
    expect(suggestValues("filters", spec)).toBe("32"); // every block's filters: the first block's as a start
    expect(parseValues("filters", "8, 16, 129")).toEqual({ error: "129 is out of range (1 … 128)" });
  });
});

describe("grids", () => {
  it("counts combinations and names a sweep by its grid", () => {
    expect(combinations({ latent_dim: [2, 4, 8, 16], epochs: [1, 2] })).toBe(8);
    expect(combinations({})).toBe(0);
    expect(sweepName({ grid: { latent_dim: [2, 4], activation: ["relu", "gelu"] } })).toBe("latent_dim 2, 4 × activation relu, gelu");
    expect(sweepName({ grid: { latent_dim: [2] }, title: "How big must the bottleneck be?" })).toBe("How big must the bottleneck be?");
  });

  it("puts a 422's errors on the grid field they name", () => {
    const { byField, other } = gridErrors(
      { "grid.latent_dim.1": "less than or equal to 64", "combination 3.epochs": "epochs too big", "base.seed": "bad seed", _spec: "whole" },
      ["latent_dim", "epochs"],
    );
    expect(byField).toEqual({ latent_dim: "less than or equal to 64", epochs: "epochs too big" });
    expect(other).toEqual(["base.seed: bad seed", "whole"]);
    const named = gridErrors({ "grid.corruption": 'combination 2 (corruption="mask", corruption_level=0.95): spec: corruption_level: masking 0.95' }, ["corruption", "corruption_level"]);
    expect(Object.keys(named.byField)).toEqual(["corruption_level"]);
  });
});

describe("metricPlot", () => {
  const jobs = [
    job("a", { latent_dim: 8, epochs: 1 }, 18),
    job("b", { latent_dim: 2, epochs: 1 }, 12),
    job("c", { latent_dim: 8, epochs: 2 }, 20),
    job("d", { latent_dim: 2, epochs: 2 }, null, "running"),
  ];
  const sweep = { grid: { latent_dim: [8, 2], epochs: [1, 2] }, jobs };

  it("puts numbers in order on x and makes a line per value of the other field", () => {
    const p = metricPlot(sweep, "latent_dim", "psnr");
    expect(p.xs).toEqual([2, 8]);
    expect(p.lines.map((l) => l.label)).toEqual(["epochs=1", "epochs=2"]);
    expect(p.lines[0]!.ys).toEqual([12, 18]);
    expect(p.lines[1]!.ys).toEqual([null, 20]); // d is still running
    expect(p.lines[1]!.jobs.map((j) => j?.job_id)).toEqual(["d", "c"]);
    expect(metricData(p)).toEqual([[0, 1], [12, 18], [null, 20]]);
  });

  it("swaps the axes and the metric", () => {
    const p = metricPlot(sweep, "epochs", "ssim");
    expect(p.xs).toEqual([1, 2]);
    expect(p.lines.map((l) => l.label)).toEqual(["latent_dim=8", "latent_dim=2"]);
    expect(p.lines[0]!.ys).toEqual([0.18, 0.2]);
  });

  it("keeps choices in the grid's order and gives one line when one field is swept", () => {
    const p = metricPlot({ grid: { activation: ["relu", "gelu"] }, jobs: [job("x", { activation: "gelu" }, 15), job("y", { activation: "relu" }, 14)] }, "activation", "test_loss");
    expect(p.xs).toEqual(["relu", "gelu"]);
    expect(p.lines).toHaveLength(1);
    expect(p.lines[0]!.ys).toEqual([1 / 14, 1 / 15]);
  });

  it("colours jobs by their swept value along viridis and dashes them by line", () => {
    const styles = jobStyles(metricPlot(sweep, "latent_dim", "psnr"));
    expect(styles.get("b")).toEqual({ colour: "#440154", dash: [] }); // latent 2 (viridis 0), epochs=1
    expect(styles.get("d")!.colour).toBe(styles.get("b")!.colour); // latent 2 again, the other line
    expect(styles.get("d")!.dash).toEqual([7, 4]);
    expect(styles.get("a")!.colour).not.toBe(styles.get("b")!.colour);
  });
});

describe("charts' helpers", () => {
  it("aligns curves of different lengths on one x", () => {
    expect(curvesData([[3, 2, 1], [5]])).toEqual([[0, 1, 2], [3, 2, 1], [5, null, null]]);
    expect(curvesData([])).toEqual([[]]);
  });

  it("finds the nearest point within the radius", () => {
    const pts = [{ x: 0, y: 0, id: 1 }, { x: 10, y: 0, id: 2 }];
    expect(nearest(pts, 8, 1)?.id).toBe(2);
    expect(nearest(pts, 50, 50)).toBeNull();
  });

  it("tells states by tone and counts them", () => {
    expect(stateTone("running")).toBe("active");
    expect(stateTone("done")).toBe("ok");
    expect(stateTone("failed")).toBe("bad");
    expect(stateTone("cancelled")).toBe("muted");
    expect(stateCounts([{ state: "queued" }, { state: "done" }, { state: "running" }, { state: "done" }])).toBe("2 done · 1 running · 1 queued");
  });
});
