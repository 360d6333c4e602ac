// The latent maps of the explored model: the one shown, PCA (loaded with each model), the t-SNE, UMAP
// or latent-plane map asked for, where the input sits on the maps the server places it on, a 2-D
// model's decoded grid and the test image under the pointer.
import type { LatentMap, MapMethod } from "../../api/types";
import type { Positions } from "../../lib/viz/mapview";
import type { TraverseGrid } from "../walks";
import { slice } from "./slice";

/** One map's way in: not asked yet, asked, being computed on the server (with progress), there, or failed. */
export interface MapLoad {
  status: "idle" | "loading" | "computing" | "ready" | "error";
  map: LatentMap | null;
  progress: { stage: string; fraction: number } | null;
  error: string | null;
}

/** What the decoder makes of each place of a 2-D model's plane, drawn under the points. */
export interface PlaneGrid {
  show: boolean;
  loading: boolean;
  grid: TraverseGrid | null;
  error: string | null;
}

export interface MapsState {
  method: MapMethod;
  /** The test set's codes on a PCA map (asked after the first explore), kept while other maps are shown. */
  pca: MapLoad;
  /** The t-SNE, UMAP or latent-plane map shown; null while PCA is. */
  other: MapLoad | null;
  /** The input's positions on server-placed maps (t-SNE, UMAP) from the newest explore and decode answers. */
  positions: { explore: Positions; decode: Positions };
  planeGrid: PlaneGrid;
  /** The test image under the pointer, once fetched. */
  hoverImage: { dataset: string; index: number; image: number[] } | null;
}

export const idleMap: MapLoad = { status: "idle", map: null, progress: null, error: null };

export const mapsStore = slice<MapsState>(() => ({
  method: "pca",
  pca: idleMap,
  other: null,
  positions: { explore: null, decode: null },
  planeGrid: { show: true, loading: false, grid: null, error: null },
  hoverImage: null,
}));
export const useMaps = mapsStore.use;

export const selectMapMethod = (s: MapsState) => s.method;
/** How the shown map is coming along (null: a map other than PCA not asked for yet). */
export const selectShownLoad = (s: MapsState) => (s.method === "pca" ? s.pca : s.other);
/** The shown map, once it is there. */
export const selectShownMap = (s: MapsState) => selectShownLoad(s)?.map ?? null;
export const selectPositions = (s: MapsState) => s.positions;
export const selectPlaneGrid = (s: MapsState) => s.planeGrid;
export const selectHoverImage = (s: MapsState) => s.hoverImage;
