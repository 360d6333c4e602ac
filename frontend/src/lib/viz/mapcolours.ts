// Which colour each class gets on a latent map, and the legend that explains it. Ten colours cannot tell
// 345 classes apart (QuickDraw), so above ten classes the ten largest groups on the map get the colours and
// the rest are one grey "other"; or one chosen class stands out in colour over every other in grey.
import { schemeTableau10 } from "d3-scale-chromatic";
import { classColour } from "./mappaint";

export const OTHER_COLOUR = "#c9c9c9";
export const CHOSEN_COLOUR = "#d62728";
export const COLOURS = schemeTableau10.length;

export interface LegendEntry {
  /** The class, or null for the grey "other" entry. */
  label: number | null;
  colour: string;
  /** Points on the map in this entry. */
  count: number;
  /** Classes the entry stands for (1, or the number of "other" classes). */
  classes: number;
}

export interface Colouring {
  mode: "classes" | "largest" | "chosen";
  colourOf: (label: number) => string;
  legend: LegendEntry[];
}

/** Points per class, largest first (ties by label). */
export function classCounts(labels: readonly number[]): [number, number][] {
  const counts = new Map<number, number>();
  for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
}

/** How to colour a map of these labels: every class (up to ten), the ten largest, or `chosen` alone. */
export function mapColouring(labels: readonly number[], chosen: number | null = null): Colouring {
  const counts = classCounts(labels);
  const total = labels.length;
  if (chosen !== null) {
    const n = counts.find(([l]) => l === chosen)?.[1] ?? 0;
    const others = counts.filter(([l]) => l !== chosen);
    return {
      mode: "chosen",
      colourOf: (l) => (l === chosen ? CHOSEN_COLOUR : OTHER_COLOUR),
      legend: [
        { label: chosen, colour: CHOSEN_COLOUR, count: n, classes: 1 },
        { label: null, colour: OTHER_COLOUR, count: total - n, classes: others.length },
      ],
    };
  }
  if (counts.length <= COLOURS) {
    const sorted = [...counts].sort((a, b) => a[0] - b[0]);
    return {
      mode: "classes",
      colourOf: classColour,
      legend: sorted.map(([l, n]) => ({ label: l, colour: classColour(l), count: n, classes: 1 })),
    };
  }
  const top = counts.slice(0, COLOURS);
  const colour = new Map(top.map(([l], i) => [l, schemeTableau10[i]!]));
  const rest = counts.slice(COLOURS);
  return {
    mode: "largest",
    colourOf: (l) => colour.get(l) ?? OTHER_COLOUR,
    legend: [
      ...top.map(([l, n]) => ({ label: l, colour: colour.get(l)!, count: n, classes: 1 })),
      { label: null, colour: OTHER_COLOUR, count: rest.reduce((s, [, n]) => s + n, 0), classes: rest.length },
    ],
  };
}
