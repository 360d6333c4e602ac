// The latent map's choices, pure: which maps a model offers, what each one shows, and where the
// current input goes on the chosen one (PCA and the latent plane: placed here from the map's mean and
// components; t-SNE and UMAP: placed by the server, in the explore and decode answers).
import type { LatentMap, MapMethod, PlacedMap } from "../../api/types";
import { projectLatent } from "./mapscale";

export interface MapTab {
  method: MapMethod;
  label: string;
  /** One line: what the picture means. */
  explain: string;
}

const TABS: Record<MapMethod, MapTab> = {
  pca: {
    method: "pca",
    label: "PCA",
    explain: "A linear view: the two directions along which the codes vary most. Distances are faithful, but clusters can overlap.",
  },
  tsne: {
    method: "tsne",
    label: "t-SNE",
    explain: "Neighbours stay neighbours: similar codes sit together, so classes form islands. Distances between islands and their sizes mean little.",
  },
  umap: {
    method: "umap",
    label: "UMAP",
    explain: "Like t-SNE it keeps neighbours together, and it keeps more of the global layout: nearby islands are more alike.",
  },
  latent: {
    method: "latent",
    label: "Latent plane",
    explain: "This model's code has two numbers: the map is the code itself, no projection. The sliders move you across it.",
  },
};

/** The tabs a model gets: PCA, t-SNE, UMAP, and the latent plane when its code is 2-D. */
export function mapTabs(latentDim: number | null | undefined): MapTab[] {
  const tabs = [TABS.pca, TABS.tsne, TABS.umap];
  return latentDim === 2 ? [...tabs, TABS.latent] : tabs;
}

export function mapTab(method: MapMethod): MapTab {
  return TABS[method];
}

/** Maps the server places the input on: those the browser cannot place itself. */
export function serverPlaced(method: MapMethod): method is PlacedMap & ("tsne" | "umap") {
  return method === "tsne" || method === "umap";
}

/** The axis names of a map: PC1/PC2, z0/z1 (named as the sliders are), or plain dimensions for t-SNE and UMAP. */
export function axisNames(method: MapMethod): [string, string] {
  if (method === "pca") return ["PC1", "PC2"];
  if (method === "latent") return ["z0", "z1"];
  const name = TABS[method].label;
  return [`${name} 1`, `${name} 2`];
}

export type Positions = Record<string, number[]> | null | undefined;

/**
 * Where the current input sits on `map`, or null when unknown: from the latent for maps
 * the browser places (PCA, the latent plane), from the newest server answer for the others (the
 * decode's while the sliders are moved, else the explore's).
 */
export function inputPoint(
  map: LatentMap | null,
  latent: ArrayLike<number> | null,
  positions: { explore: Positions; decode: Positions },
  slidersMoved: boolean,
): [number, number] | null {
  if (!map || !latent) return null;
  if (!serverPlaced(map.method)) {
    if (latent.length !== map.mean.length) return null;
    return projectLatent(latent, map.mean, map.components);
  }
  const source = slidersMoved ? positions.decode : positions.explore;
  const p = source?.[map.method];
  return p && p.length === 2 && Number.isFinite(p[0]) && Number.isFinite(p[1]) ? [p[0]!, p[1]!] : null;
}

/** "t-SNE: optimisation, 42%" for the progress line. */
export function progressText(method: MapMethod, stage: string, fraction: number): string {
  const what = stage === "queued" ? "waiting for another map to finish" : stage;
  return `${TABS[method].label}: ${what}, ${Math.round(Math.max(0, Math.min(1, fraction)) * 100)}%`;
}
