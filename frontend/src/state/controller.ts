// The page's side effects in one owner: REST calls, the explore socket of the loaded model and
// the job socket of the watched job. Components call its methods; it writes into the store.
import { api, ApiError, fieldErrors } from "../api/client";
import { ExploreSocket, JobSocket } from "../api/sockets";
import { MapSocket } from "../api/mapSocket";
import { serverPlaced } from "../lib/viz/mapview";
import type { Corruption, MapMethod, ModelSpec, Projection, Sample, TraverseResult } from "../api/types";
import { bytesToUnit } from "../lib/viz/preprocess";
import { applyJobMessage, emptyJobView, isActive } from "./job";
import { decodeImageBatch, type DecodedBatch } from "../lib/viz/imagebatch";
import { getLab, setLab, type Endpoint, type InputSource } from "./store";
import { compareCandidate, decodedView, defaultCorruption, exploreView, finite, initialModel, startDecoded } from "./views";

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

export class LabController {
  private explore: ExploreSocket | null = null;
  /** Compare's second model: its own explore socket, fed the same inputs as the first. */
  private compare: ExploreSocket | null = null;
  private job: JobSocket | null = null;
  private validateAbort: AbortController | null = null;
  private validateTimer: ReturnType<typeof setTimeout> | null = null;
  private modelLoad = 0;
  private afterFirstResult: (() => void) | null = null;

  /** Loads datasets, models and any running job; opens the first model with a test digit in it. */
  async boot(): Promise<void> {
    const datasets = api.datasets().then((d) => setLab({ datasets: d })).catch(() => undefined);
    await this.refreshModels();
    const first = initialModel(getLab().models);
    if (first) await this.selectModel(first.id);
    await datasets;
    void this.resumeJob();
    this.validate(getLab().spec);
  }

  dispose(): void {
    this.closeMap();
    this.explore?.close();
    this.job?.close();
    this.compare?.close();
    this.explore = null;
    this.job = null;
    this.compare = null;
  }

  // ---- models ---------------------------------------------------------------------------

  async refreshModels(): Promise<void> {
    try {
      const models = await api.models();
      setLab({ models, modelsLoaded: true });
    } catch (e) {
      setLab({ modelsLoaded: true, notice: { kind: "error", text: `Could not list the models: ${message(e)}` } });
    }
  }

  async selectModel(id: string): Promise<void> {
    const ticket = ++this.modelLoad;
    const summary = getLab().models.find((m) => m.id === id);
    this.explore?.close();
    this.closeMap();
    const corruption = defaultCorruption(summary?.spec as Partial<ModelSpec> | undefined);
    setLab({ corruption, modelId: id, model: null, latentStats: null, projection: null, projectionStatus: "idle", projectionError: null, result: null, latent: null, decoded: null, exploreError: null });
    setLab({ mapMethod: "pca", altMap: null, mapPositions: { explore: null, decode: null } });
    this.explore = new ExploreSocket(id, {
      onStatus: (socket) => setLab({ socket }),
      onError: (text) => setLab({ exploreError: text }),
      onExplore: (r, sent, asked) => {
        this.afterFirstResult?.();
        this.afterFirstResult = null;
        setLab({
          result: exploreView(r, sent, asked),
          // The sliders follow the drawing unless the user has moved them since.
          latent: getLab().decoded ? getLab().latent : finite(r.latent),
          exploreError: null,
          mapPositions: { ...getLab().mapPositions, explore: r.map_positions ?? null },
        });
      },
      onDecode: (r, sent) => {
        if (!getLab().decoded) return; // reset to the drawing happened meanwhile
        setLab({ decoded: decodedView(r, sent), mapPositions: { ...getLab().mapPositions, decode: r.map_positions ?? null } });
      },
    });
    this.explore.corruption = corruption;
    if (this.compare && this.compare.corruption !== corruption) {
      // Compare's second model must see what the first sees: the new model's noise, or none.
      this.compare.corruption = corruption;
      const input = getLab().input;
      if (input && getLab().tab === "compare") this.compare.explore(input);
    }
    // The first picture must not wait for the details: the latent statistics can take a few
    // seconds the first time a model is asked (the service encodes the whole test set).
    const details = api
      .model(id)
      .then((model) => ticket === this.modelLoad && setLab({ model }))
      .catch((e) => ticket === this.modelLoad && setLab({ notice: { kind: "error", text: `Could not load the model: ${message(e)}` } }));
    // Asked once the first picture is in (or after 2 s): on a cold service, computing them competes
    // with that first explore for the CPU.
    let asked = false;
    const askStats = () => {
      if (asked || ticket !== this.modelLoad) return;
      asked = true;
      void api
        .latentStats(id)
        .then((latentStats) => ticket === this.modelLoad && setLab({ latentStats }))
        .catch(() => undefined); // the sliders fall back to a range around the value
      this.loadProjection(id, ticket);
    };
    this.afterFirstResult = askStats;
    setTimeout(askStats, 2000);
    // A model of another dataset gets an input from its own test set.
    const s = getLab();
    const dataset = summary?.dataset ?? (await details, getLab().model?.dataset);
    if (ticket !== this.modelLoad) return;
    const src = s.inputSource;
    if (dataset && (src.kind === "empty" || (src.kind === "sample" && src.dataset !== dataset))) {
      await this.loadFirstSample(dataset);
    } else if (s.input) {
      this.explore.explore(s.input);
    }
  }

  /**
   * Show another latent map. PCA is loaded with the model; t-SNE and UMAP are computed by the server the
   * first time (a MapSocket streams the progress, then the map); the latent plane comes at once. Once a
   * t-SNE or UMAP map is ready, explore and decode requests ask the server to place the input on it.
   */
  selectMap(method: MapMethod): void {
    const id = getLab().modelId;
    if (!id || method === getLab().mapMethod) return;
    this.closeMap();
    setLab({ mapMethod: method, altMap: null });
    if (method === "pca") return;
    const ticket = this.modelLoad;
    const current = () => ticket === this.modelLoad && getLab().mapMethod === method;
    const update = (patch: Partial<NonNullable<ReturnType<typeof getLab>["altMap"]>>) => {
      if (!current()) return;
      const prev = getLab().altMap ?? { method, status: "loading" as const, projection: null, progress: null, error: null };
      setLab({ altMap: { ...prev, ...patch } });
    };
    const ready = (projection: Projection) => {
      if (!current()) return;
      update({ status: "ready", projection, progress: null, error: null });
      if (serverPlaced(method) && this.explore) {
        this.explore.maps = [method];
        const s = getLab();
        if (s.input) this.explore.explore(s.input); // place the input now, not at the next stroke
        if (s.decoded && s.latent) this.explore.decode(s.latent);
      }
    };
    update({ status: "loading" });
    api
      .map(id, method)
      .then((answer) => {
        if (!current()) return;
        if ("points" in answer) return ready(answer);
        update({ status: "computing", progress: { stage: answer.stage, fraction: answer.fraction } });
        this.mapSocket = new MapSocket(id, method, {
          onProgress: (p) => update({ status: "computing", progress: { stage: p.stage, fraction: p.fraction } }),
          onReady: ready,
          onError: (text) => update({ status: "error", error: text }),
        });
      })
      .catch((e) => update({ status: "error", error: message(e) }));
  }

  private mapSocket: MapSocket | null = null;

  private closeMap(): void {
    this.mapSocket?.close();
    this.mapSocket = null;
    if (this.explore) this.explore.maps = [];
  }

  /** The latent map of the model; `ticket` drops an answer for a model no longer selected. */
  loadProjection(id: string, ticket = this.modelLoad): void {
    setLab({ projectionStatus: "loading", projectionError: null });
    api
      .projection(id)
      .then((projection) => ticket === this.modelLoad && setLab({ projection, projectionStatus: "ready" }))
      .catch((e) => ticket === this.modelLoad && setLab({ projection: null, projectionStatus: "error", projectionError: message(e) }));
  }

  async deleteModel(id: string): Promise<void> {
    try {
      await api.deleteModel(id);
      await this.refreshModels();
      if (getLab().compareId === id) this.closeCompare();
      if (getLab().modelId === id) {
        const next = initialModel(getLab().models);
        if (next) await this.selectModel(next.id);
        else {
          this.explore?.close();
          setLab({ modelId: null, model: null, result: null, latent: null, decoded: null });
        }
      }
      setLab({ notice: { kind: "info", text: "Model deleted." } });
    } catch (e) {
      setLab({ notice: { kind: "error", text: `Could not delete: ${message(e)}` } });
    }
  }

  async uploadModel(file: File): Promise<void> {
    try {
      const m = await api.uploadModel(file);
      await this.refreshModels();
      await this.selectModel(m.id);
      setLab({ notice: { kind: "info", text: `Uploaded "${m.title}".` } });
    } catch (e) {
      setLab({ notice: { kind: "error", text: `Could not upload ${file.name}: ${message(e)}` } });
    }
  }

  // ---- explore --------------------------------------------------------------------------

  /** A new input (drawing or sample): the sliders go back to following it. */
  setInput(image: Float32Array, source: InputSource, repaintCanvas = false): void {
    setLab((s) => ({
      input: image,
      inputSource: source,
      decoded: null,
      canvasVersion: repaintCanvas ? s.canvasVersion + 1 : s.canvasVersion,
    }));
    this.explore?.explore(image);
    if (getLab().tab === "compare") this.compare?.explore(image);
  }

  clearInput(): void {
    setLab((s) => ({ input: null, inputSource: { kind: "empty" }, result: null, latent: null, decoded: null, compareResult: null, canvasVersion: s.canvasVersion + 1 }));
  }

  /** New noise for the input (null: none): both explore sockets send it, and the input goes again. */
  setCorruption(corruption: Corruption | null): void {
    setLab({ corruption });
    if (this.explore) this.explore.corruption = corruption;
    if (this.compare) this.compare.corruption = corruption;
    const input = getLab().input;
    if (!input) return;
    this.explore?.explore(input);
    if (getLab().tab === "compare") this.compare?.explore(input);
  }

  // ---- compare --------------------------------------------------------------------------

  /** Compare opened: a second model (the last one, else a candidate) gets the current input. */
  enterCompare(): void {
    const s = getLab();
    const id = s.compareId && s.models.some((m) => m.id === s.compareId) ? s.compareId : compareCandidate(s.models, s.modelId)?.id;
    if (!id) return;
    if (id !== s.compareId || !this.compare) this.selectCompare(id);
    else if (s.input) this.compare.explore(s.input);
  }

  selectCompare(id: string): void {
    this.compare?.close();
    setLab({ compareId: id, compareResult: null, compareError: null });
    this.compare = new ExploreSocket(id, {
      onStatus: (compareSocket) => setLab({ compareSocket }),
      onError: (compareError) => setLab({ compareError }),
      onExplore: (r, sent, asked) => setLab({ compareResult: exploreView(r, sent, asked), compareError: null }),
      onDecode: () => undefined, // Compare sends images only
    });
    this.compare.corruption = getLab().corruption; // the same noisy input for both models
    const input = getLab().input;
    if (input) this.compare.explore(input);
  }

  closeCompare(): void {
    this.compare?.close();
    this.compare = null;
    setLab({ compareId: null, compareResult: null, compareSocket: "closed", compareError: null });
  }

  useSample(dataset: string, sample: Sample): void {
    this.setInput(bytesToUnit(sample.image), { kind: "sample", dataset, index: sample.index, label: sample.label }, true);
  }

  /** Explores test image `index` (a point on the latent map), as picking a test image does. */
  async exploreTestImage(dataset: string, index: number): Promise<void> {
    try {
      const r = await api.samples(dataset, { split: "test", limit: 1, offset: index });
      const sample = r.items[0];
      if (sample) this.useSample(dataset, sample);
    } catch (e) {
      setLab({ notice: { kind: "error", text: `Could not load test image ${index}: ${message(e)}` } });
    }
  }

  async samples(dataset: string, label: number | undefined, limit = 12, offset = 0): Promise<Sample[]> {
    const r = await api.samples(dataset, { split: "test", label, limit, offset });
    return r.items;
  }

  async loadFirstSample(dataset: string): Promise<void> {
    try {
      const [first, second] = await this.samples(dataset, undefined, 2);
      if (first) this.useSample(dataset, first);
      // Interpolation starts filled too: between the first two test images, unless the user chose.
      const { walkA, walkB } = getLab();
      const stale = (e: Endpoint | null) => !e || (e.dataset !== null && e.dataset !== dataset);
      if (first && second) {
        setLab({
          walkA: stale(walkA) ? this.sampleEndpoint(dataset, first) : walkA,
          walkB: stale(walkB) ? this.sampleEndpoint(dataset, second) : walkB,
        });
      }
    } catch (e) {
      setLab({ notice: { kind: "error", text: `Could not load a test image: ${message(e)}` } });
    }
  }

  // ---- latent-space walks ---------------------------------------------------------------

  private sampleEndpoint(dataset: string, s: Sample): Endpoint {
    const name = getLab().datasets.find((d) => d.name === dataset)?.classes.find((k) => k.index === s.label)?.name ?? String(s.label);
    return { image: bytesToUnit(s.image), label: `test #${s.index}, “${name}”`, dataset };
  }

  /** The current input becomes one end of the interpolation. */
  useAsEndpoint(which: "a" | "b"): void {
    const s = getLab();
    if (!s.input) return;
    const src = s.inputSource;
    const e: Endpoint =
      src.kind === "sample"
        ? { image: s.input, label: this.sampleEndpoint(src.dataset, { index: src.index, label: src.label, image: [] }).label, dataset: src.dataset }
        : { image: s.input, label: "your drawing", dataset: null };
    setLab(which === "a" ? { walkA: e } : { walkB: e });
  }

  async interpolate(a: Float32Array, b: Float32Array, steps: number, path: "linear" | "spherical", signal?: AbortSignal): Promise<DecodedBatch & { path: string }> {
    const id = getLab().modelId;
    if (!id) throw new Error("no model");
    const r = await api.interpolate(id, { a: Array.from(a), b: Array.from(b), steps, path }, signal);
    return { ...decodeImageBatch(r.images), path: r.path };
  }

  async traverse(latent: number[], dims: number[], steps: number, signal?: AbortSignal, span?: number): Promise<DecodedBatch & Pick<TraverseResult, "dims" | "values">> {
    const id = getLab().modelId;
    if (!id) throw new Error("no model");
    const r = await api.traverse(id, { latent, dims, steps, ...(span === undefined ? {} : { span }) }, signal);
    return { ...decodeImageBatch(r.images), dims: r.dims, values: r.values };
  }

  async priorSamples(count: number, seed: number, signal?: AbortSignal): Promise<DecodedBatch> {
    const id = getLab().modelId;
    if (!id) throw new Error("no model");
    return decodeImageBatch((await api.priorSamples(id, { count, seed }, signal)).images);
  }

  moveLatent(dim: number, value: number): void {
    const s = getLab();
    if (!s.latent) return;
    const latent = s.latent.slice();
    latent[dim] = value;
    setLab({
      latent,
      decoded: s.decoded ?? startDecoded(s.result, latent),
    });
    this.explore?.decode(latent);
  }

  resetLatent(): void {
    setLab((s) => ({ latent: s.result?.latent ?? null, decoded: null }));
  }

  // ---- builder --------------------------------------------------------------------------

  setSpec(spec: ModelSpec): void {
    setLab({ spec });
    this.validate(spec);
  }

  /** Live validation through the service; the newest draft wins. */
  validate(spec: ModelSpec, delayMs = 120): void {
    if (this.validateTimer) clearTimeout(this.validateTimer);
    setLab((s) => ({ validation: { ...s.validation, status: "checking" } }));
    this.validateTimer = setTimeout(async () => {
      this.validateAbort?.abort();
      const abort = new AbortController();
      this.validateAbort = abort;
      try {
        const result = await api.validateSpec(spec, abort.signal);
        if (abort.signal.aborted) return;
        setLab({ validation: { status: result.valid ? "valid" : "invalid", result, errors: {}, message: null } });
      } catch (e) {
        if (abort.signal.aborted) return;
        if (e instanceof ApiError && e.status === 422) {
          setLab({ validation: { status: "invalid", result: null, errors: fieldErrors(e.detail), message: null } });
        } else {
          setLab({ validation: { status: "error", result: null, errors: {}, message: `Could not check the spec: ${message(e)}` } });
        }
      }
    }, delayMs);
  }

  // ---- jobs -----------------------------------------------------------------------------

  async startJob(): Promise<void> {
    const s = getLab();
    if (s.validation.status !== "valid" || isActive(s.jobView.job?.state)) return;
    try {
      const job = await api.startJob(s.spec);
      this.watchJob(job.id);
      setLab((st) => ({ jobView: { ...st.jobView, job } }));
    } catch (e) {
      const text = e instanceof ApiError && e.status === 429 ? "The training queue is full; try again when a job ends." : message(e);
      setLab({ notice: { kind: "error", text: `Could not start training: ${text}` } });
    }
  }

  async cancelJob(): Promise<void> {
    const id = getLab().jobView.job?.id;
    if (!id) return;
    try {
      await api.cancelJob(id);
    } catch (e) {
      setLab({ notice: { kind: "error", text: `Could not cancel: ${message(e)}` } });
    }
  }

  /** After a reload: pick up the newest queued or running job (its history is replayed). */
  async resumeJob(): Promise<void> {
    try {
      const jobs = await api.jobs();
      const active = jobs.filter((j) => isActive(j.state)).sort((a, b) => b.created.localeCompare(a.created))[0];
      if (active) {
        // After a reload the builder shows what is training, not the defaults.
        const spec = active.spec as ModelSpec;
        if (spec.blocks) this.setSpec({ ...spec, blocks: spec.blocks.map((b) => ({ ...b })) });
        this.watchJob(active.id);
      }
    } catch {
      /* no jobs endpoint answer: nothing to resume */
    }
  }

  watchJob(id: string): void {
    this.job?.close();
    setLab({ jobView: emptyJobView });
    this.job = new JobSocket(id, {
      onStatus: (jobSocket) => setLab({ jobSocket }),
      onMessage: (msg) => {
        const before = getLab().jobView;
        const after = applyJobMessage(before, msg);
        setLab({ jobView: after });
        if (after.resync && !before.resync) this.job?.resync();
        if (msg.type === "end") void this.refreshModels();
      },
    });
  }

  async exploreTrained(modelId: string): Promise<void> {
    await this.refreshModels();
    setLab({ tab: "explore" });
    await this.selectModel(modelId);
  }
}
