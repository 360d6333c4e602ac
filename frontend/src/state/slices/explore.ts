// What is being explored: the input, the explore socket's newest answer, the sliders, the noise and
// the interpolation's two ends.
import type { Corruption } from "../../api/types";
import type { SocketStatus } from "../../api/sockets";
import type { LayerTensor } from "../job";
import { slice } from "./slice";

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
  /** Decoded in the page (../../lib/decoder), not by the service. */
  inPage?: boolean;
  /** How long the page's decoding took, worker round trip included (ms). */
  decodeMs?: number;
}

export interface ExploreState {
  input: Float32Array | null;
  inputSource: InputSource;
  /** Bumped when the canvas must repaint from `input` (a sample was picked), not from strokes. */
  canvasVersion: number;
  result: ExploreView | null;
  /** Slider values; equal to result.latent until a slider moves. */
  latent: number[] | null;
  /** Reconstruction and decoder layers decoded from moved sliders; null while showing the drawing's own. */
  decoded: DecodedView | null;
  socket: SocketStatus;
  error: string | null;
  /** Noise applied to the input before encoding (a denoising model starts with its training noise). */
  corruption: Corruption | null;
  /** Interpolation's two ends (images, so they hold across models of one dataset). */
  walkA: Endpoint | null;
  walkB: Endpoint | null;
  /** Heatmap panels the user folded away: the service is not asked for their layers. */
  hidden: Record<"encoder" | "decoder", boolean>;
}

export const exploreStore = slice<ExploreState>(() => ({
  input: null,
  inputSource: { kind: "empty" },
  canvasVersion: 0,
  result: null,
  latent: null,
  decoded: null,
  socket: "closed",
  error: null,
  corruption: null,
  walkA: null,
  walkB: null,
  hidden: { encoder: false, decoder: false },
}));
export const useExplore = exploreStore.use;

export const selectInput = (s: ExploreState) => s.input;
export const selectHasInput = (s: ExploreState) => s.input !== null;
export const selectInputSource = (s: ExploreState) => s.inputSource;
export const selectCanvasVersion = (s: ExploreState) => s.canvasVersion;
export const selectResult = (s: ExploreState) => s.result;
/** The drawing's own code (what "Reset to the drawing" goes back to). */
export const selectResultLatent = (s: ExploreState) => s.result?.latent ?? null;
/** A VAE's standard deviations of the drawing's code; null for other variants. */
export const selectSigma = (s: ExploreState) => s.result?.sigma ?? null;
/** The sliders' values. */
export const selectLatent = (s: ExploreState) => s.latent;
/** The code the page shows: the sliders', else the drawing's. */
export const selectShownLatent = (s: ExploreState) => s.latent ?? s.result?.latent ?? null;
export const selectDecoded = (s: ExploreState) => s.decoded;
/** The decoder layers decoded from moved sliders; null while the drawing's own are shown. */
export const selectDecodedLayers = (s: ExploreState) => s.decoded?.layers ?? null;
export const selectSlidersMoved = (s: ExploreState) => s.decoded !== null;
export const selectExploreSocket = (s: ExploreState) => s.socket;
export const selectExploreError = (s: ExploreState) => s.error;
export const selectCorruption = (s: ExploreState) => s.corruption;
export const selectHidden = (s: ExploreState) => s.hidden;
export const selectWalkA = (s: ExploreState) => s.walkA;
export const selectWalkB = (s: ExploreState) => s.walkB;
