import { describe, expect, it } from "vitest";
import { fieldErrors } from "./client";

describe("fieldErrors", () => {
  it("keys FastAPI's 422 errors by their path inside the spec", () => {
    expect(
      fieldErrors([
        { loc: ["body", "latent_dim"], msg: "Input should be greater than or equal to 1", type: "greater_than_equal" },
        { loc: ["body", "blocks", 1, "filters"], msg: "too many", type: "x" },
        { loc: ["body", "blocks", 1, "filters"], msg: "also odd", type: "y" },
        { loc: ["body"], msg: "the image shrinks below 1x1", type: "value_error" },
      ]),
    ).toEqual({
      latent_dim: "Input should be greater than or equal to 1",
      "blocks.1.filters": "too many; also odd",
      _spec: "the image shrinks below 1x1",
    });
  });

  it("gives nothing for a plain message", () => {
    expect(fieldErrors("nope")).toEqual({});
    expect(fieldErrors(null)).toEqual({});
  });
});
