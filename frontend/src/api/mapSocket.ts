// `/ws/models/{id}/projection?method=tsne|umap`: the server starts (or follows) a slow latent map's
// computation and streams its progress, then the map. One socket per map being waited for; the
// controller closes it when the user picks another map or model.
import { wsUrl } from "./client";
import type { MapMethod, Projection, ProjectionStreamMessage } from "./types";

export interface MapProgress {
  state: string;
  stage: string;
  fraction: number;
}

export interface MapHandlers {
  onProgress(progress: MapProgress): void;
  onReady(projection: Projection): void;
  onError(message: string): void;
}

export class MapSocket {
  private ws: WebSocket | null;
  private done = false;

  constructor(modelId: string, method: MapMethod, private readonly handlers: MapHandlers) {
    const ws = new WebSocket(wsUrl(`/ws/models/${encodeURIComponent(modelId)}/projection?method=${method}`));
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
    let msg: ProjectionStreamMessage;
    try {
      msg = JSON.parse(raw) as ProjectionStreamMessage;
    } catch {
      return;
    }
    if (msg.type === "map_progress") this.handlers.onProgress({ state: msg.state, stage: msg.stage, fraction: msg.fraction });
    else if (msg.type === "map_ready") {
      this.done = true;
      this.handlers.onReady(msg.projection);
    } else if (msg.type === "error") {
      this.done = true;
      this.handlers.onError(msg.message);
    }
  }
}
