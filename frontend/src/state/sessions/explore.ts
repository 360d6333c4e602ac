// The explored model: its explore socket (images and slider codes out, answers back), its details and
// statistics, the input, the sliders (./sliders.ts), the noise, its latent maps (./maps.ts) and the latent walks.
import { ExploreSocket } from "../../api/sockets";
import { BrowserDecoder, type LocalDecoded, type SliderDecoder } from "../../lib/decoder/browserDecoder";
import type { Corruption, ModelSpec, PlacedMap, Sample } from "../../api/types";
import type { DecodedBatch } from "../../lib/viz/imagebatch";
import { bytesToUnit } from "../../lib/viz/preprocess";
import { catalogStore, className } from "../slices/catalog";
import { exploreStore, type Endpoint, type InputSource } from "../slices/explore";
import { modelStore } from "../slices/model";
import { pageStore } from "../slices/page";
import { defaultCorruption, exploreView, finite } from "../views";
import { interpolate, priorSamples, traverse, type Interpolation, type InterpolationPath, type TraverseGrid } from "../walks";
import type { CompareSession } from "./compare";
import { MapsSession } from "./maps";
import { message, notify, type LabClient } from "./notify";
import { Sliders } from "./sliders";

export class ExploreSession {
  readonly maps: MapsSession;
  private socket: ExploreSocket | null = null;
  /** Bumped for every model: an answer for a model no longer explored is dropped. */
  private ticket = 0;
  private afterFirstResult: (() => void) | null = null;
  private readonly sliders: Sliders;

  constructor(
    private readonly client: LabClient,
    private readonly compare: CompareSession,
    makeDecoder: (onDecoded: (d: LocalDecoded) => void) => SliderDecoder | null = BrowserDecoder.create,
  ) {
    this.maps = new MapsSession(client, (maps) => this.placeOn(maps));
    this.sliders = new Sliders(() => this.socket, this.maps, makeDecoder);
  }

  // ---- the model ------------------------------------------------------------------------

  async selectModel(id: string): Promise<void> {
    const ticket = ++this.ticket;
    const current = () => ticket === this.ticket;
    this.sliders.drop();
    const summary = catalogStore.get().models.find((m) => m.id === id);
    this.socket?.close();
    this.maps.open();
    const corruption = defaultCorruption(summary?.spec as Partial<ModelSpec> | undefined);
    modelStore.set({ id, detail: null, latentStats: null });
    exploreStore.set({ corruption, result: null, latent: null, decoded: null, error: null });
    this.socket = this.openSocket(id);
    this.socket.corruption = corruption;
    this.sliders.load(id, () => this.client.decoder(id), current);
    this.compare.followModelNoise(corruption);
    // The first picture must not wait for the details: the latent statistics can take a few
    // seconds the first time a model is asked (the service encodes the whole test set).
    const details = this.client
      .model(id)
      .then((detail) => {
        if (!current()) return;
        modelStore.set({ detail });
        this.askFor(); // the layer names of a folded panel are known now
      })
      .catch((e) => current() && notify("error", `Could not load the model: ${message(e)}`));
    // Asked once the first picture is in (or after 2 s): on a cold service, computing them competes
    // with that first explore for the CPU.
    let asked = false;
    const askStats = () => {
      if (asked || !current()) return;
      asked = true;
      void this.client
        .latentStats(id)
        .then((latentStats) => current() && modelStore.set({ latentStats }))
        .catch(() => undefined); // the sliders fall back to a range around the value
      this.maps.loadPca();
    };
    this.afterFirstResult = askStats;
    setTimeout(askStats, 2000);
    // A model of another dataset gets an input from its own test set.
    const { inputSource: src, input } = exploreStore.get();
    const dataset = summary?.dataset ?? (await details, modelStore.get().detail?.dataset);
    if (!current()) return;
    if (dataset && (src.kind === "empty" || (src.kind === "sample" && src.dataset !== dataset))) {
      await this.loadFirstSample(dataset);
    } else if (input) {
      this.socket.explore(input);
    }
  }

  // ---- what the service is asked for ---------------------------------------------------

  /** Fold a heatmap panel away (or back): its layers are no longer asked for (and come again when shown). */
  setHidden(part: "encoder" | "decoder", hidden: boolean): void {
    exploreStore.set((s) => ({ hidden: { ...s.hidden, [part]: hidden } }));
    this.askFor();
    if (!hidden) this.resend();
  }

  /** The tab changed: Compare shows every layer of this model's answer, Explore only the unfolded panels. */
  followTab(): void {
    const before = this.socket?.layers ?? null;
    this.askFor();
    if (before !== null && this.socket?.layers === null) this.resend();
  }

  /** The layers the page shows: null (all) unless a panel of the Explore tab is folded away. */
  private askFor(): void {
    if (!this.socket) return;
    const { hidden } = exploreStore.get();
    const rows = modelStore.get().detail?.layers;
    const folded = pageStore.get().tab === "explore" && (hidden.encoder || hidden.decoder);
    this.socket.layers = folded && rows ? rows.filter((r) => r.name !== "latent" && !hidden[r.part]).map((r) => r.name) : null;
  }

  /** Ask again for what is shown: the input's answer, and the sliders' if they were moved. */
  private resend(): void {
    const { input, decoded, latent } = exploreStore.get();
    if (input) this.socket?.explore(input);
    if (decoded && latent) this.sliders.decode(latent);
  }

  /** No model left to explore (the last one was deleted). */
  closeModel(): void {
    this.socket?.close();
    modelStore.set({ id: null, detail: null });
    exploreStore.set({ result: null, latent: null, decoded: null });
  }

  dispose(): void {
    this.sliders.dispose();
    this.maps.dispose();
    this.socket?.close();
    this.socket = null;
  }

  private openSocket(id: string): ExploreSocket {
    return new ExploreSocket(id, {
      onStatus: (socket) => exploreStore.set({ socket }),
      onError: (error) => exploreStore.set({ error }),
      onExplore: (r, sent, asked) => {
        this.afterFirstResult?.();
        this.afterFirstResult = null;
        const s = exploreStore.get();
        exploreStore.set({
          result: exploreView(r, sent, asked),
          // The sliders follow the drawing unless the user has moved them since.
          latent: s.decoded ? s.latent : finite(r.latent),
          error: null,
        });
        this.maps.placed("explore", r.map_positions);
      },
      onDecode: (r, sent) => this.sliders.fromService(r, sent),
    });
  }

  /** Server-placed maps to put each input on; a new one gets the input (and the sliders' code) now. */
  private placeOn(maps: PlacedMap[]): void {
    if (!this.socket) return;
    this.socket.maps = maps;
    if (!maps.length) return;
    const { input, decoded, latent } = exploreStore.get();
    if (input) this.socket.explore(input); // place the input now, not at the next stroke
    if (decoded && latent) this.sliders.decode(latent);
  }

  // ---- the input ------------------------------------------------------------------------

  /** A new stroke on the canvas. */
  draw(image: Float32Array): void {
    this.setInput(image, { kind: "drawing" });
  }

  pickSample(dataset: string, sample: Sample): void {
    this.setInput(bytesToUnit(sample.image), { kind: "sample", dataset, index: sample.index, label: sample.label }, true);
  }

  /** Test images of one class (the first becomes the input); the page shows them to pick from. */
  async pickClass(dataset: string, label: number): Promise<Sample[]> {
    const items = await this.samples(dataset, label, 8);
    if (items[0]) this.pickSample(dataset, items[0]);
    return items;
  }

  /** Explores test image `index` (a point on the latent map), as picking a test image does. */
  async pickTestImage(dataset: string, index: number): Promise<void> {
    try {
      const r = await this.client.samples(dataset, { split: "test", limit: 1, offset: index });
      const sample = r.items[0];
      if (sample) this.pickSample(dataset, sample);
    } catch (e) {
      notify("error", `Could not load test image ${index}: ${message(e)}`);
    }
  }

  clearInput(): void {
    exploreStore.set((s) => ({ input: null, inputSource: { kind: "empty" }, result: null, latent: null, decoded: null, canvasVersion: s.canvasVersion + 1 }));
    this.compare.clearResult();
  }

  /** New noise for the input (null: none): both explore sockets send it, and the input goes again. */
  setCorruption(corruption: Corruption | null): void {
    exploreStore.set({ corruption });
    if (this.socket) this.socket.corruption = corruption;
    this.compare.setCorruption(corruption);
    const { input } = exploreStore.get();
    if (!input) return;
    this.socket?.explore(input);
    this.compare.followInput(input);
  }

  /** A new input (drawing or sample): the sliders go back to following it. */
  private setInput(image: Float32Array, source: InputSource, repaintCanvas = false): void {
    this.sliders.drop();
    exploreStore.set((s) => ({
      input: image,
      inputSource: source,
      decoded: null,
      canvasVersion: repaintCanvas ? s.canvasVersion + 1 : s.canvasVersion,
    }));
    this.socket?.explore(image);
    this.compare.followInput(image);
  }

  private async samples(dataset: string, label: number | undefined, limit: number): Promise<Sample[]> {
    return (await this.client.samples(dataset, { split: "test", label, limit, offset: 0 })).items;
  }

  private async loadFirstSample(dataset: string): Promise<void> {
    try {
      const [first, second] = await this.samples(dataset, undefined, 2);
      if (first) this.pickSample(dataset, first);
      this.setWalkDefaults(dataset, first, second);
    } catch (e) {
      notify("error", `Could not load a test image: ${message(e)}`);
    }
  }

  /** A shared link's input, shown (and the canvas repainted) before its model opens. */
  showLinked(image: Float32Array, source: InputSource): void {
    this.setInput(image, source, true);
  }

  /** Interpolation's ends from the first two test images, as on a first visit (a link's view). */
  async fillWalkEnds(dataset: string): Promise<void> {
    const [first, second] = await this.samples(dataset, undefined, 2).catch(() => []);
    this.setWalkDefaults(dataset, first, second);
  }

  /** Interpolation starts filled too: between the first two test images, unless the user chose. */
  private setWalkDefaults(dataset: string, first: Sample | undefined, second: Sample | undefined): void {
    const { walkA, walkB } = exploreStore.get();
    const stale = (e: Endpoint | null) => !e || (e.dataset !== null && e.dataset !== dataset);
    if (!first || !second) return;
    exploreStore.set({
      walkA: stale(walkA) ? this.sampleEndpoint(dataset, first) : walkA,
      walkB: stale(walkB) ? this.sampleEndpoint(dataset, second) : walkB,
    });
  }

  // ---- the sliders (./sliders.ts) ---------------------------------------------------------

  /** A slider moved. A bound field, so that the slider rows can take it as a stable prop. */
  readonly moveLatent = (dim: number, value: number): void => this.sliders.move(dim, value);

  /** Every slider at once (a shared link's values), decoded as if moved by hand. */
  setLatent(latent: number[]): void {
    this.sliders.set(latent);
  }

  resetLatent(): void {
    this.sliders.reset();
  }

  // ---- latent walks ---------------------------------------------------------------------

  /** The current input becomes one end of the interpolation. */
  setWalkEnd(which: "a" | "b"): void {
    const { input, inputSource: src } = exploreStore.get();
    if (!input) return;
    const end: Endpoint =
      src.kind === "sample"
        ? { image: input, label: this.sampleLabel(src.dataset, src.index, src.label), dataset: src.dataset }
        : { image: input, label: "your drawing", dataset: null };
    exploreStore.set(which === "a" ? { walkA: end } : { walkB: end });
  }

  async interpolate(ends: { a: Float32Array; b: Float32Array }, steps: number, path: InterpolationPath, signal?: AbortSignal): Promise<Interpolation> {
    return interpolate(this.client, this.modelId(), ends, steps, path, signal);
  }

  async traverse(latent: number[], dims: number[], steps: number, span: number, signal?: AbortSignal): Promise<TraverseGrid> {
    return traverse(this.client, this.modelId(), { latent, dims, steps, span }, signal);
  }

  async priorSamples(count: number, seed: number, signal?: AbortSignal): Promise<DecodedBatch> {
    return priorSamples(this.client, this.modelId(), count, seed, signal);
  }

  private modelId(): string {
    const id = modelStore.get().id;
    if (!id) throw new Error("no model");
    return id;
  }

  private sampleLabel(dataset: string, index: number, label: number): string {
    return `test #${index}, “${className(catalogStore.get().datasets, dataset, label)}”`;
  }

  private sampleEndpoint(dataset: string, s: Sample): Endpoint {
    return { image: bytesToUnit(s.image), label: this.sampleLabel(dataset, s.index, s.label), dataset };
  }
}
