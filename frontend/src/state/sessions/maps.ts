// The latent maps of the explored model. PCA is asked once the first picture is in; t-SNE and UMAP are
// computed by the server the first time (a LatentMapSocket streams the progress, then the map); the
// latent plane comes at once, with a decoded grid under it. Once a t-SNE or UMAP map is ready, the
// explore session asks the server to place each input on it (`placeOn`).
import { LatentMapSocket } from "../../api/latentMapSocket";
import type { LatentMap, MapMethod, PlacedMap } from "../../api/types";
import { serverPlaced, type Positions } from "../../lib/viz/mapview";
import { PLANE_GRID_STEPS, planeSweep } from "../../lib/viz/planegrid";
import { fitScale } from "../../lib/viz/mapscale";
import { idleMap, mapsStore, type MapLoad, type PlaneGrid } from "../slices/maps";
import { modelStore } from "../slices/model";
import { traverse } from "../walks";
import { message, type LabClient } from "./notify";

export class MapsSession {
  private socket: LatentMapSocket | null = null;
  /** Bumped for every model: an answer for a model no longer explored is dropped. */
  private ticket = 0;
  private gridAbort: AbortController | null = null;
  private readonly testImages = new Map<string, number[]>();
  private hovered: string | null = null;

  constructor(
    private readonly client: LabClient,
    /** Tells the explore socket which server-placed maps to put each input on (and sends the input again). */
    private readonly placeOn: (maps: PlacedMap[]) => void,
  ) {}

  /** Another model: back to PCA, not asked for yet. */
  open(): void {
    this.closeOther();
    this.ticket++;
    mapsStore.set((s) => ({
      method: "pca",
      pca: idleMap,
      other: null,
      positions: { explore: null, decode: null },
      planeGrid: { ...s.planeGrid, loading: false, grid: null, error: null },
    }));
  }

  /** The PCA map of the explored model (always answered at once). */
  loadPca(): void {
    const id = modelStore.get().id;
    if (!id) return;
    const ticket = this.ticket;
    const current = () => ticket === this.ticket;
    mapsStore.set((s) => ({ pca: { ...s.pca, status: "loading", error: null } }));
    this.client
      .latentMap(id, "pca")
      .then((map) => current() && mapsStore.set({ pca: { status: "ready", map: map as LatentMap, progress: null, error: null } }))
      .catch((e) => current() && mapsStore.set({ pca: { ...idleMap, status: "error", error: message(e) } }));
  }

  /** Show another map, asking the server for it unless it is PCA. */
  select(method: MapMethod): void {
    const id = modelStore.get().id;
    if (!id || method === mapsStore.get().method) return;
    this.closeOther();
    mapsStore.set({ method, other: null });
    if (method === "pca") return;
    const ticket = this.ticket;
    const current = () => ticket === this.ticket && mapsStore.get().method === method;
    const update = (patch: Partial<MapLoad>) => {
      if (!current()) return;
      const prev = mapsStore.get().other ?? { ...idleMap, status: "loading" as const };
      mapsStore.set({ other: { ...prev, ...patch } });
    };
    const ready = (map: LatentMap) => {
      if (!current()) return;
      update({ status: "ready", map, progress: null, error: null });
      if (serverPlaced(method)) this.placeOn([method]);
      if (method === "latent") this.loadPlaneGrid();
    };
    update({ status: "loading" });
    this.client
      .latentMap(id, method)
      .then((answer) => {
        if (!current()) return;
        if ("points" in answer) return ready(answer);
        update({ status: "computing", progress: { stage: answer.stage, fraction: answer.fraction } });
        this.socket = new LatentMapSocket(id, method, {
          onProgress: (p) => update({ status: "computing", progress: { stage: p.stage, fraction: p.fraction } }),
          onReady: ready,
          onError: (text) => update({ status: "error", error: text }),
        });
      })
      .catch((e) => update({ status: "error", error: message(e) }));
  }

  /** Where the newest explore or decode answer put the input on the server-placed maps. */
  placed(lane: "explore" | "decode", positions: Positions): void {
    mapsStore.set((s) => ({ positions: { ...s.positions, [lane]: positions ?? null } }));
  }

  /** The decoded grid under a 2-D model's plane, shown or hidden. */
  showPlaneGrid(show: boolean): void {
    this.setGrid({ show });
    if (show) this.loadPlaneGrid();
    else this.stopGrid();
  }

  /** The pointer is over test image `index` (null: over none): fetch it once for the tooltip. */
  hover(dataset: string, index: number | null): void {
    const key = index === null ? null : `${dataset}/${index}`;
    this.hovered = key;
    if (key === null || index === null) return;
    const show = (image: number[]) => this.hovered === key && mapsStore.set({ hoverImage: { dataset, index, image } });
    const cached = this.testImages.get(key);
    if (cached) return void show(cached);
    this.client
      .samples(dataset, { split: "test", offset: index, limit: 1 })
      .then((page) => {
        const item = page.items[0];
        if (!item) return;
        this.testImages.set(key, item.image);
        show(item.image);
      })
      .catch(() => undefined); // the class name still shows
  }

  dispose(): void {
    this.closeOther();
  }

  private closeOther(): void {
    this.socket?.close();
    this.socket = null;
    this.stopGrid();
    this.placeOn([]);
  }

  /** A 12 x 12 traverse of the plane from its box's centre to its edges. */
  private loadPlaneGrid(): void {
    const s = mapsStore.get();
    const map = s.other?.map;
    const id = modelStore.get().id;
    if (!s.planeGrid.show || s.method !== "latent" || map?.method !== "latent" || !id) return;
    this.stopGrid();
    const abort = new AbortController();
    this.gridAbort = abort;
    // Only the box of the points matters here, not the canvas it is drawn on.
    const { centre, span } = planeSweep(map.points, fitScale(map.points, 1, 1));
    this.setGrid({ loading: true });
    traverse(this.client, id, { latent: centre, dims: [0, 1], steps: PLANE_GRID_STEPS, span }, abort.signal)
      .then((grid) => !abort.signal.aborted && this.setGrid({ grid, loading: false, error: null }))
      .catch((e) => !abort.signal.aborted && this.setGrid({ loading: false, error: message(e) }));
  }

  private stopGrid(): void {
    this.gridAbort?.abort();
    this.gridAbort = null;
    if (mapsStore.get().planeGrid.loading) this.setGrid({ loading: false });
  }

  private setGrid(patch: Partial<PlaneGrid>): void {
    mapsStore.set((s) => ({ planeGrid: { ...s.planeGrid, ...patch } }));
  }
}
