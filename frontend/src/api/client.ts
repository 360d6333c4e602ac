// The REST API through openapi-fetch, typed by the generated `paths`; one small function each.
import createClient from "openapi-fetch";
import type { paths } from "./generated/openapi";
import type {
  Corruption,
  InterpolateRequest,
  LatentMap,
  LatentMapStatus,
  MapMethod,
  ModelSpec,
  ModelSummary,
  TraverseRequest,
  ValidationErrorItem,
} from "./types";

/** A 4xx/5xx answer; `detail` is the service's message or its list of field errors. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string | ValidationErrorItem[] | null,
  ) {
    super(typeof detail === "string" ? detail : Array.isArray(detail) ? detail.map((d) => d.msg).join("; ") : `HTTP ${status}`);
  }
}

const client = createClient<paths>({ baseUrl: "" });

/** The data of a successful answer, or an ApiError with the service's `detail`. */
async function ok<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) {
    const detail = (error as { detail?: ApiError["detail"] } | undefined)?.detail ?? null;
    throw new ApiError(response.status, detail);
  }
  return data as T;
}

const id = (v: string) => ({ params: { path: { model_id: v } } });
const job = (v: string) => ({ params: { path: { job_id: v } } });
const sweep = (v: string) => ({ params: { path: { sweep_id: v } } });

export const api = {
  health: () => ok(client.GET("/api/health")),
  datasets: () => ok(client.GET("/api/datasets")),
  samples: (dataset: string, q: { split?: "test" | "train"; label?: number; limit?: number; offset?: number }) =>
    ok(
      client.GET("/api/datasets/{name}/samples", {
        params: { path: { name: dataset }, query: { split: q.split ?? "test", label: q.label, limit: q.limit ?? 16, offset: q.offset ?? 0 } },
      }),
    ),
  validateSpec: (spec: ModelSpec, signal?: AbortSignal) => ok(client.POST("/api/specs/validate", { body: spec, signal })),
  models: () => ok(client.GET("/api/models")),
  model: (v: string) => ok(client.GET("/api/models/{model_id}", id(v))),
  latentStats: (v: string) => ok(client.GET("/api/models/{model_id}/latent-stats", id(v))),
  /** A model's training timeline: its frames' index, step, epoch and loss (404: saved without one). */
  timeline: (v: string) => ok(client.GET("/api/models/{model_id}/timeline", id(v))),
  timelineFrame: (v: string, index: number, signal?: AbortSignal) =>
    ok(client.GET("/api/models/{model_id}/timeline/{index}", { params: { path: { model_id: v, index } }, signal })),
  /** The map (200), or for t-SNE/UMAP still being computed its status (202; the first request starts it).
   * PCA and the latent plane are always answered at once. */
  latentMap: (v: string, method: MapMethod): Promise<LatentMap | LatentMapStatus> =>
    ok(client.GET("/api/models/{model_id}/latent-map", { params: { path: { model_id: v }, query: { method } } })),
  deleteModel: (v: string) => ok(client.DELETE("/api/models/{model_id}", id(v))),
  downloadUrl: (v: string) => `/api/models/${encodeURIComponent(v)}/download`,
  /** The decoder's weights as a safetensors file (../lib/decoder/decoder.ts reads it). */
  decoder: (v: string): Promise<ArrayBuffer> => ok(client.GET("/api/models/{model_id}/decoder", { ...id(v), parseAs: "arrayBuffer" })),

  /** Multipart upload: plain fetch, since the body is a file, not JSON. */
  uploadModel: async (file: File): Promise<ModelSummary> => {
    const body = new FormData();
    body.append("file", file);
    const res = await fetch("/api/models/upload", { method: "POST", body });
    const json = (await res.json().catch(() => null)) as ({ detail?: ApiError["detail"] } & ModelSummary) | null;
    if (!res.ok) throw new ApiError(res.status, json?.detail ?? null);
    return json!;
  },
  explore: (v: string, image: number[][] | number[], corruption: Corruption | null = null) =>
    ok(client.POST("/api/models/{model_id}/explore", { ...id(v), body: { image, corruption } })),
  decode: (v: string, latent: number[]) => ok(client.POST("/api/models/{model_id}/decode", { ...id(v), body: { latent } })),
  interpolate: (v: string, body: InterpolateRequest, signal?: AbortSignal) => ok(client.POST("/api/models/{model_id}/interpolate", { ...id(v), body, signal })),
  traverse: (v: string, body: TraverseRequest, signal?: AbortSignal) => ok(client.POST("/api/models/{model_id}/traverse", { ...id(v), body, signal })),
  priorSamples: (v: string, body: { count: number; seed: number }, signal?: AbortSignal) => ok(client.POST("/api/models/{model_id}/samples", { ...id(v), body, signal })),
  startJob: (spec: ModelSpec) => ok(client.POST("/api/jobs", { body: { spec } })),
  jobs: () => ok(client.GET("/api/jobs")),
  job: (v: string) => ok(client.GET("/api/jobs/{job_id}", job(v))),
  cancelJob: (v: string) => ok(client.POST("/api/jobs/{job_id}/cancel", job(v))),
  resumeJob: (v: string) => ok(client.POST("/api/jobs/{job_id}/resume", job(v))),
  sweeps: () => ok(client.GET("/api/sweeps")),
  sweep: (v: string) => ok(client.GET("/api/sweeps/{sweep_id}", sweep(v))),
  startSweep: (base: ModelSpec, grid: Record<string, (number | string)[]>, title: string | null = null) =>
    ok(client.POST("/api/sweeps", { body: { base, grid, title } })),
  cancelSweep: (v: string) => ok(client.POST("/api/sweeps/{sweep_id}/cancel", sweep(v))),
};

/** Field errors of a 422 keyed by their path inside the spec: "blocks.0.filters", "latent_dim". */
export function fieldErrors(detail: ApiError["detail"]): Record<string, string> {
  const out: Record<string, string> = {};
  if (!Array.isArray(detail)) return out;
  for (const d of detail) {
    // FastAPI prefixes "body"; some validators add the model name; keep the path within the spec.
    const loc = d.loc.filter((p, i) => !(i === 0 && p === "body"));
    const key = loc.length ? loc.join(".") : "_spec";
    out[key] = out[key] ? `${out[key]}; ${d.msg}` : d.msg;
  }
  return out;
}

export function wsUrl(path: string): string {
  const proto = location.protocol === "https:" ? "wss" : "ws";
  return `${proto}://${location.host}${path}`;
}
