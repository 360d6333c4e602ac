// Slider codes decoded in the page: a Web Worker (./worker.ts) holds the explored model's decoder
// (GET /api/models/{id}/decoder) and decodes each code in a few milliseconds, with no round trip and no
// work for the service, so a drag keeps up with the screen however busy the server is. Newest wins: at most
// two codes in the worker (one decoding, the next frame's queued behind it, so that a decoding that ends just
// after a frame does not cost the next frame its own), and the latest one waiting.
import type { FloatTensor } from "../viz/tensor8";

export interface DecodedLayer {
  name: string;
  kind: string;
  tensor: FloatTensor;
}

export type ToWorker =
  | { type: "load"; modelId: string; buffer: ArrayBuffer }
  | { type: "decode"; modelId: string; seq: number; latent: number[] };

export type FromWorker =
  | { type: "loaded"; modelId: string }
  | { type: "decoded"; modelId: string; seq: number; latent: number[]; layers: DecodedLayer[] }
  | { type: "failed"; modelId: string; message: string; seq?: number };

/** One code's decoding: every decoder layer in order; the last is the reconstruction (1 x 28 x 28). */
export interface LocalDecoded {
  modelId: string;
  seq: number;
  latent: number[];
  layers: DecodedLayer[];
  /** From the code's posting to the worker to its layers' arrival back, in ms. */
  ms: number;
}

/** What the explore session needs of a slider decoder (a fake one in tests). */
export interface SliderDecoder {
  /** Takes the weights of `modelId` (the previous model's are dropped). */
  load(modelId: string, buffer: ArrayBuffer): void;
  /** Whether codes of `modelId` are decoded here (its weights are loaded and nothing failed). */
  readyFor(modelId: string): boolean;
  decode(modelId: string, latent: number[]): void;
  dispose(): void;
}

/** The worker as the decoder uses it (a fake one in tests). */
type WorkerLike = Pick<Worker, "postMessage" | "terminate"> & {
  onmessage: ((e: MessageEvent<FromWorker>) => void) | null;
  onerror: ((e: ErrorEvent) => void) | null;
};

const MAX_IN_WORKER = 2;

export class BrowserDecoder implements SliderDecoder {
  private loaded: string | null = null;
  private inWorker = 0;
  private waiting: { modelId: string; latent: number[] } | null = null;
  private seq = 0;
  private readonly postedAt = new Map<number, number>();

  constructor(
    private readonly worker: WorkerLike,
    private readonly onDecoded: (d: LocalDecoded) => void,
  ) {
    worker.onmessage = (e: MessageEvent<FromWorker>) => this.receive(e.data);
    // A worker that cannot run (a script error): the service decodes instead.
    worker.onerror = () => {
      this.loaded = null;
      this.inWorker = 0;
      this.postedAt.clear();
    };
  }

  /** A decoder, or null where the page cannot run workers (then the service decodes). */
  static create(onDecoded: (d: LocalDecoded) => void): BrowserDecoder | null {
    // The worker is bundled by Vite from this URL.
    if (typeof Worker === "undefined") return null;
    try {
      return new BrowserDecoder(new Worker(new URL("./worker.ts", import.meta.url), { type: "module" }), onDecoded);
    } catch {
      return null;
    }
  }

  load(modelId: string, buffer: ArrayBuffer): void {
    this.loaded = null;
    this.waiting = null;
    this.worker.postMessage({ type: "load", modelId, buffer } satisfies ToWorker, [buffer]);
  }

  readyFor(modelId: string): boolean {
    return this.loaded === modelId;
  }

  decode(modelId: string, latent: number[]): void {
    if (this.inWorker >= MAX_IN_WORKER) {
      this.waiting = { modelId, latent };
      return;
    }
    this.inWorker++;
    const seq = ++this.seq;
    this.postedAt.set(seq, performance.now());
    this.worker.postMessage({ type: "decode", modelId, seq, latent } satisfies ToWorker);
  }

  dispose(): void {
    this.worker.terminate();
    this.loaded = null;
  }

  private receive(msg: FromWorker): void {
    if (msg.type === "loaded") {
      this.loaded = msg.modelId;
      return;
    }
    if (msg.type === "failed") {
      // A load that failed, or a decoding: either way the service decodes this model's codes from now on.
      if (this.loaded === msg.modelId) this.loaded = null;
    }
    const seq = msg.seq;
    if (seq === undefined) return; // a load's answer
    this.inWorker = Math.max(0, this.inWorker - 1);
    const posted = this.postedAt.get(seq);
    this.postedAt.delete(seq);
    if (msg.type === "decoded") this.onDecoded({ ...msg, ms: performance.now() - (posted ?? performance.now()) });
    const next = this.waiting;
    this.waiting = null;
    if (next) this.decode(next.modelId, next.latent);
  }
}
