import { describe, expect, it } from "vitest";
import { classLabel, filterClasses } from "./classes";

const names = ["The Eiffel Tower", "aircraft carrier", "cat", "catfish", "bobcat", "police car", "car", "hot dog"];
const classes = names.map((name, index) => ({ index, name }));
const found = (q: string) => filterClasses(classes, q).map((k) => k.name);

describe("finding a class among many", () => {
  it("keeps every class for an empty query", () => {
    expect(found("  ")).toEqual(names);
  });

  it("puts the whole name first, then names that start with the query, then the rest", () => {
    expect(found("cat")).toEqual(["cat", "catfish", "bobcat"]);
    expect(found("CAR")).toEqual(["car", "aircraft carrier", "police car"]);
  });

  it("matches every word, anywhere, and a label number", () => {
    expect(found("tower eiffel")).toEqual(["The Eiffel Tower"]);
    expect(found("7")).toEqual(["hot dog"]);
    expect(found("zebra")).toEqual([]);
  });

  it("labels options with their number unless the name is the number", () => {
    expect(classLabel({ index: 3, name: "Dress" })).toBe("3: Dress");
    expect(classLabel({ index: 7, name: "7" })).toBe("7");
  });
});
