// Slider codes decoded in the page: a Web Worker (./worker.ts) holds the explored model's decoder
// (GET /api/models/{id}/decoder) and decodes each code in a few milliseconds, with no round trip and no
// work for the service, so a drag keeps up with the screen however busy the server is. Newest wins: one
// code in the worker at a time, and the latest one waiting.
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
  | { type: "failed"; modelId: string; message: string };

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

export class BrowserDecoder implements SliderDecoder {
  private loaded: string | null = null;
  private busy = false;
  private waiting: { modelId: string; latent: number[] } | null = null;
  private seq = 0;
  private postedAt = 0;

  private constructor(
    private readonly worker: Worker,
    private readonly onDecoded: (d: LocalDecoded) => void,
  ) {
    worker.onmessage = (e: MessageEvent<FromWorker>) => this.receive(e.data);
    // A worker that cannot run (a script error): the service decodes instead.
    worker.onerror = () => {
      this.loaded = null;
      this.busy = false;
    };
  }

  /** A decoder, or null where the page cannot run workers (then the service decodes). */
  static create(onDecoded: (d: LocalDecoded) => void): BrowserDecoder | null {
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
    if (this.busy) {
      this.waiting = { modelId, latent };
      return;
    }
    this.busy = true;
    this.postedAt = performance.now();
    this.worker.postMessage({ type: "decode", modelId, seq: ++this.seq, latent } satisfies ToWorker);
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
    this.busy = false;
    if (msg.type === "failed") {
      if (this.loaded === msg.modelId || this.loaded === null) this.loaded = null;
    } else {
      this.onDecoded({ ...msg, ms: performance.now() - this.postedAt });
    }
    const next = this.waiting;
    this.waiting = null;
    if (next) this.decode(next.modelId, next.latent);
  }
}
