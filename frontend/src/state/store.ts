// The one store: which model is loaded, what is being explored, the builder's draft and the job.
// Only plain data lives here; sockets and requests live in the controllers (src/state/*session.ts)
// that write into it.
import { create } from "zustand";
import type {
  Corruption,
  DatasetInfo,
  LatentStats,
  MapMethod,
  ModelDetail,
  ModelSpec,
  ModelSummary,
  Projection,
  SpecValidation,
} from "../api/types";
import type { NormMode } from "../lib/viz/normalize";
import type { SocketStatus } from "../api/sockets";
import { emptyJobView, type JobView, type LayerTensor } from "./job";

export type Tab = "explore" | "compare" | "build";

export type InputSource =
  | { kind: "sample"; dataset: string; index: number; label: number }
  | { kind: "drawing" }
  | { kind: "empty" };

/** One end of an interpolation: an image and where it came from. */
export interface Endpoint {
  image: Float32Array;
  /** "test #3, “2”" or "your drawing". */
  label: string;
  /** The dataset of a test image (null for a drawing): a model of another dataset resets the ends. */
  dataset: string | null;
}

export interface ExploreView {
  requestId: number;
  /** The input this result belongs to (the canvas may have moved on since). */
  input: Float32Array;
  latent: number[];
  reconstruction: Float32Array;
  layers: LayerTensor[];
  mse: number | null;
  /** Infinity for a perfect reconstruction (the wire sends null with an mse of 0). */
  psnr: number | null;
  ssim: number | null;
  /** VAE only: each dimension's standard deviation (`latent` is the mean); null for other variants. */
  sigma: number[] | null;
  /** With a corruption: the corrupted image the encoder saw (`input` stays the clean one). */
  corrupted: Float32Array | null;
  /** The noise this result was asked with (null: none). */
  corruption: Corruption | null;
}

/** What the moved sliders decode to: the reconstruction and every decoder layer's heatmaps. */
export interface DecodedView {
  /** -1 until the first decode_result: until then, the drawing's own decoding. */
  requestId: number;
  latent: number[];
  reconstruction: Float32Array;
  layers: LayerTensor[];
}

export interface Validation {
  status: "idle" | "checking" | "valid" | "invalid" | "error";
  result: SpecValidation | null;
  /** Field errors keyed "blocks.0.filters", "latent_dim", … ("_spec" for the spec as a whole). */
  errors: Record<string, string>;
  message: string | null;
}

export const defaultSpec: ModelSpec = {
  dataset: "mnist",
  variant: "plain",
  blocks: [
    { filters: 32, kernel: 3 },
    { filters: 64, kernel: 3 },
  ],
  downsample: "maxpool",
  latent_dim: 16,
  activation: "relu",
  loss: "bce",
  optimizer: "adam",
  learning_rate: 0.001,
  batch_size: 128,
  epochs: 5,
  seed: 0,
  beta: 1,
  corruption: "gaussian",
  corruption_level: 0.3,
};

/** A map other than PCA: being computed on the server (with its progress), ready, or failed. */
export interface AltMap {
  method: MapMethod;
  status: "loading" | "computing" | "ready" | "error";
  projection: Projection | null;
  progress: { stage: string; fraction: number } | null;
  error: string | null;
}

export interface LabState {
  tab: Tab;
  datasets: DatasetInfo[];
  models: ModelSummary[];
  modelsLoaded: boolean;
  notice: { kind: "error" | "info"; text: string } | null;

  modelId: string | null;
  model: ModelDetail | null;
  latentStats: LatentStats | null;
  /** The test set's latents on a PCA map (asked after the first explore). */
  projection: Projection | null;
  projectionStatus: "idle" | "loading" | "ready" | "error";
  projectionError: string | null;
  /** The latent map shown: PCA (placed in the browser) or t-SNE, UMAP, the latent plane (`altMap`). */
  mapMethod: MapMethod;
  altMap: AltMap | null;
  /** The input's positions on server-placed maps (t-SNE, UMAP) from the newest explore and decode answers. */
  mapPositions: { explore: Record<string, number[]> | null; decode: Record<string, number[]> | null };

  input: Float32Array | null;
  inputSource: InputSource;
  /** Bumped when the canvas must repaint from `input` (a sample was picked), not from strokes. */
  canvasVersion: number;
  result: ExploreView | null;
  /** Slider values; equal to result.latent until a slider moves. */
  latent: number[] | null;
  /** Reconstruction and decoder layers decoded from moved sliders; null while showing the drawing's own. */
  decoded: DecodedView | null;
  norm: NormMode;
  socket: SocketStatus;
  exploreError: string | null;

  spec: ModelSpec;
  validation: Validation;

  jobView: JobView;
  jobSocket: SocketStatus;

  /** Compare: a second model explored on the same input through its own socket. */
  compareId: string | null;
  compareResult: ExploreView | null;
  compareSocket: SocketStatus;
  compareError: string | null;

  /** Interpolation's two ends (images, so they hold across models of one dataset). */
  walkA: Endpoint | null;
  walkB: Endpoint | null;

  /** Noise applied to the input before encoding (a denoising model starts with its training noise). */
  corruption: Corruption | null;

  set: (patch: Partial<LabState> | ((s: LabState) => Partial<LabState>)) => void;
}

export const useLab = create<LabState>()((set) => ({
  tab: "explore",
  datasets: [],
  models: [],
  modelsLoaded: false,
  notice: null,
  modelId: null,
  model: null,
  latentStats: null,
  projection: null,
  projectionStatus: "idle",
  projectionError: null,
  mapMethod: "pca",
  altMap: null,
  mapPositions: { explore: null, decode: null },
  input: null,
  inputSource: { kind: "empty" },
  canvasVersion: 0,
  result: null,
  latent: null,
  decoded: null,
  norm: "channel",
  socket: "closed",
  exploreError: null,
  spec: defaultSpec,
  validation: { status: "idle", result: null, errors: {}, message: null },
  jobView: emptyJobView,
  jobSocket: "closed",
  compareId: null,
  compareResult: null,
  compareSocket: "closed",
  compareError: null,
  walkA: null,
  walkB: null,
  corruption: null,
  set: (patch) => set(patch),
}));

/** The store's setter, for controllers outside React. */
export const setLab = (patch: Partial<LabState> | ((s: LabState) => Partial<LabState>)) => useLab.getState().set(patch);
export const getLab = () => useLab.getState();
