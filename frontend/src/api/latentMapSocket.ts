// `/ws/models/{id}/latent-map?method=tsne|umap`: the server starts (or follows) a slow latent map's
// computation and streams its progress, then the map. One socket per map being waited for; the
// maps session closes it when the user picks another map or model.
import { wsUrl } from "./client";
import type { LatentMap, LatentMapStreamMessage, MapMethod } from "./types";

export interface LatentMapProgress {
  state: string;
  stage: string;
  fraction: number;
}

export interface LatentMapHandlers {
  onProgress(progress: LatentMapProgress): void;
  onReady(map: LatentMap): void;
  onError(message: string): void;
}

export class LatentMapSocket {
  private ws: WebSocket | null;
  private done = false;

  constructor(modelId: string, method: MapMethod, private readonly handlers: LatentMapHandlers) {
    const ws = new WebSocket(wsUrl(`/ws/models/${encodeURIComponent(modelId)}/latent-map?method=${method}`));
    this.ws = ws;
    ws.onmessage = (ev) => this.receive(ev.data as string);
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      // A close without map_ready or an error message (the server stopped, the network dropped).
      if (!this.done) this.handlers.onError(`the connection closed before the map was ready (code ${ev.code})`);
      this.done = true;
    };
  }

  close(): void {
    this.done = true;
    const ws = this.ws;
    this.ws = null;
    ws?.close(1000);
  }

  private receive(raw: string): void {
    if (this.done) return;
    let msg: LatentMapStreamMessage;
    try {
      msg = JSON.parse(raw) as LatentMapStreamMessage;
    } catch {
      return;
    }
    if (msg.type === "map_progress") this.handlers.onProgress({ state: msg.state, stage: msg.stage, fraction: msg.fraction });
    else if (msg.type === "map_ready") {
      this.done = true;
      this.handlers.onReady(msg.projection); // the wire's field keeps its first name
    } else if (msg.type === "error") {
      this.done = true;
      this.handlers.onError(msg.message);
    }
  }
}
