// Typed WebSocket clients with reconnect. Each instance owns one socket; whoever creates it
// closes it (the explore session per model, the job watcher per job).
import { LatestWins } from "./latest";
import { wsUrl } from "./client";
import { decodeFrame, type Answer, type DecodeAnswer, type ExploreAnswer } from "./exploreFrames";
import type { Corruption, ExploreClientMessage, ExploreServerMessage, JobServerMessage, PlacedMap } from "./types";

export type SocketStatus = "connecting" | "open" | "closed";

/** Explore protocol 2: results come back as binary frames (./exploreFrames.ts); errors stay JSON. */
const EXPLORE_PROTOCOL = 2;
const RETRY_MS = [250, 500, 1000, 2000, 4000];

export interface ExploreHandlers {
  /** `sent` is the image or latent the answer belongs to. */
  onExplore(result: ExploreAnswer, sent: number[], corruption: Corruption | null): void;
  onDecode(result: DecodeAnswer, sent: number[]): void;
  onError(message: string): void;
  onStatus(status: SocketStatus): void;
}

type Lane = "explore" | "decode";

/** `/ws/models/{id}/explore`: images and latents out, results back; newest wins per lane. */
export class ExploreSocket {
  private ws: WebSocket | null = null;
  private nextId = 1;
  private closed = false;
  private retries = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly lanes = { explore: new LatestWins<number[]>(), decode: new LatestWins<number[]>() };
  private readonly requests = new Map<number, { lane: Lane; payload: number[]; corruption: Corruption | null }>();
  /** Noise the server applies to every explored image before encoding (a denoising model's test). */
  corruption: Corruption | null = null;
  /** Server-placed latent maps (t-SNE, UMAP) to put each explored image and decoded latent on. */
  maps: PlacedMap[] = [];
  /** The heatmaps the page shows (layer names; null: every layer): the service sends only these. */
  layers: string[] | null = null;
  /** The heatmaps asked with a decode, when not `layers` ([]: none, for a page that decodes them itself). */
  decodeLayers: string[] | null = null;
  /** Whether the page shows the SSIM of explored images (without it, the service skips computing it). */
  ssim = true;

  constructor(
    readonly modelId: string,
    private readonly handlers: ExploreHandlers,
  ) {
    this.connect();
  }

  explore(image: ArrayLike<number>): void {
    this.submit("explore", Array.from(image));
  }

  decode(latent: ArrayLike<number>): void {
    this.submit("decode", Array.from(latent));
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.ws?.close(1000);
    this.ws = null;
  }

  private submit(lane: Lane, payload: number[]): void {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) {
      this.lanes[lane].queue(payload); // sent when the socket opens
      return;
    }
    const toSend = this.lanes[lane].submit(payload, performance.now());
    if (toSend) this.send(lane, toSend);
  }

  private send(lane: Lane, payload: number[]): void {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) {
      this.lanes[lane].queue(payload);
      return;
    }
    const id = this.nextId++;
    this.requests.set(id, { lane, payload, corruption: lane === "explore" ? this.corruption : null });
    const layers = lane === "decode" && this.decodeLayers ? this.decodeLayers : this.layers;
    const asked = { ...(this.maps.length ? { maps: this.maps } : {}), ...(layers ? { layers } : {}) };
    const v = EXPLORE_PROTOCOL;
    const msg: ExploreClientMessage =
      lane === "explore"
        ? { v, type: "explore", request_id: id, image: payload, ...(this.corruption ? { corruption: this.corruption } : {}), ...(this.ssim ? {} : { ssim: false }), ...asked }
        : { v, type: "decode", request_id: id, latent: payload, ...asked };
    this.lanes[lane].sent(id, performance.now());
    this.ws.send(JSON.stringify(msg));
  }

  private connect(): void {
    this.handlers.onStatus("connecting");
    const ws = new WebSocket(wsUrl(`/ws/models/${encodeURIComponent(this.modelId)}/explore`));
    ws.binaryType = "arraybuffer";
    this.ws = ws;
    ws.onopen = () => {
      this.retries = 0;
      this.handlers.onStatus("open");
      for (const lane of ["explore", "decode"] as const) {
        const p = this.lanes[lane].reset();
        if (p) this.send(lane, p);
      }
    };
    ws.onmessage = (ev) => this.receive(ev.data as string | ArrayBuffer);
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.handlers.onStatus("closed");
      if (this.closed) return;
      // 4404: the model is gone (deleted elsewhere); retrying cannot help.
      if (ev.code === 4404) {
        this.handlers.onError("This model no longer exists; pick another one.");
        return;
      }
      // 1013 (too many clients) and dropped connections: back off and try again.
      const delay = RETRY_MS[Math.min(this.retries++, RETRY_MS.length - 1)]!;
      this.timer = setTimeout(() => this.connect(), delay);
    };
  }

  private receive(raw: string | ArrayBuffer): void {
    let msg: Answer | Extract<ExploreServerMessage, { type: "error" }>;
    try {
      // Results are binary frames; errors (and nothing else) come as JSON text.
      msg = typeof raw === "string" ? (JSON.parse(raw) as Extract<ExploreServerMessage, { type: "error" }>) : decodeFrame(raw);
    } catch {
      this.handlers.onError("unreadable message from the server");
      return;
    }
    const id = msg.request_id;
    const req = id !== null ? this.requests.get(id) : undefined;
    // Answers for skipped (older) requests never come: forget those too.
    if (id !== null && req) {
      for (const [k, r] of this.requests) if (k <= id && r.lane === req.lane) this.requests.delete(k);
    }
    const lane = req?.lane;
    const sent = req?.payload ?? [];
    const settle = (l: Lane) => {
      const { apply, next } = this.lanes[l].answered(id ?? -1);
      if (next) this.send(l, next);
      return apply;
    };
    if (msg.type === "explore_result") {
      if (settle("explore")) this.handlers.onExplore(msg, sent, req?.corruption ?? null);
    } else if (msg.type === "decode_result") {
      if (settle("decode")) this.handlers.onDecode(msg, sent);
    } else if (msg.type === "error") {
      if (lane) settle(lane);
      this.handlers.onError(msg.message);
    }
  }
}

export interface JobHandlers {
  onMessage(msg: JobServerMessage): void;
  onStatus(status: SocketStatus): void;
}

/** `/ws/jobs/{id}`: the server replays the history on every connect, so a reconnect is a resync. */
export class JobSocket {
  private ws: WebSocket | null = null;
  private closed = false;
  private retries = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    readonly jobId: string,
    private readonly handlers: JobHandlers,
  ) {
    this.connect();
  }

  /** Drop the connection and reconnect now (the history comes again). */
  resync(): void {
    const ws = this.ws;
    this.ws = null;
    ws?.close(1000);
    if (!this.closed) this.connect();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.ws?.close(1000);
    this.ws = null;
  }

  private connect(): void {
    this.handlers.onStatus("connecting");
    const ws = new WebSocket(wsUrl(`/ws/jobs/${encodeURIComponent(this.jobId)}`));
    this.ws = ws;
    let finished = false;
    ws.onopen = () => {
      this.retries = 0;
      this.handlers.onStatus("open");
    };
    ws.onmessage = (ev) => {
      if (this.ws !== ws) return;
      let msg: JobServerMessage;
      try {
        msg = JSON.parse(ev.data as string) as JobServerMessage;
      } catch {
        return;
      }
      if (msg.type === "end" || msg.type === "error") finished = true;
      this.handlers.onMessage(msg);
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.handlers.onStatus("closed");
      // The server closes after "end" and with 4404 for an unknown job: nothing to come back for.
      if (this.closed || finished || ev.code === 4404) return;
      const delay = RETRY_MS[Math.min(this.retries++, RETRY_MS.length - 1)]!;
      this.timer = setTimeout(() => this.connect(), delay);
    };
  }
}
