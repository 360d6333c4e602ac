// The REST API (docs/api.md), one small typed function per endpoint.
import type {
  DatasetInfo,
  DecodeResult,
  ExploreResult,
  JobDetail,
  JobInfo,
  LatentStats,
  ModelDetail,
  ModelSpec,
  ModelSummary,
  SampleList,
  SpecValidation,
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

async function request<T>(path: string, init?: RequestInit & { json?: unknown }): Promise<T> {
  const { json, ...rest } = init ?? {};
  const res = await fetch(`/api${path}`, {
    ...rest,
    headers: json !== undefined ? { "content-type": "application/json", ...rest.headers } : rest.headers,
    body: json !== undefined ? JSON.stringify(json) : rest.body,
  });
  if (!res.ok) {
    let detail: ApiError["detail"] = null;
    try {
      detail = ((await res.json()) as { detail?: ApiError["detail"] }).detail ?? null;
    } catch {
      /* not JSON: keep the status */
    }
    throw new ApiError(res.status, detail);
  }
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

export const api = {
  health: () => request<{ status: string; models: number }>("/health"),
  datasets: () => request<DatasetInfo[]>("/datasets"),
  samples: (dataset: string, q: { split?: "test" | "train"; label?: number; limit?: number; offset?: number }) => {
    const p = new URLSearchParams();
    p.set("split", q.split ?? "test");
    if (q.label !== undefined) p.set("label", String(q.label));
    p.set("limit", String(q.limit ?? 16));
    p.set("offset", String(q.offset ?? 0));
    return request<SampleList>(`/datasets/${encodeURIComponent(dataset)}/samples?${p.toString()}`);
  },
  validateSpec: (spec: ModelSpec, signal?: AbortSignal) =>
    request<SpecValidation>("/specs/validate", { method: "POST", json: spec, signal }),
  models: () => request<ModelSummary[]>("/models"),
  model: (id: string) => request<ModelDetail>(`/models/${encodeURIComponent(id)}`),
  latentStats: (id: string) => request<LatentStats>(`/models/${encodeURIComponent(id)}/latent-stats`),
  deleteModel: (id: string) => request<void>(`/models/${encodeURIComponent(id)}`, { method: "DELETE" }),
  downloadUrl: (id: string) => `/api/models/${encodeURIComponent(id)}/download`,
  uploadModel: (file: File) => {
    const body = new FormData();
    body.append("file", file);
    return request<ModelSummary>("/models/upload", { method: "POST", body });
  },
  explore: (id: string, image: number[][]) =>
    request<ExploreResult>(`/models/${encodeURIComponent(id)}/explore`, { method: "POST", json: { image } }),
  decode: (id: string, latent: number[]) =>
    request<DecodeResult>(`/models/${encodeURIComponent(id)}/decode`, { method: "POST", json: { latent } }),
  startJob: (spec: ModelSpec) => request<JobInfo>("/jobs", { method: "POST", json: { spec } }),
  jobs: () => request<JobInfo[]>("/jobs"),
  job: (id: string) => request<JobDetail>(`/jobs/${encodeURIComponent(id)}`),
  cancelJob: (id: string) => request<JobInfo>(`/jobs/${encodeURIComponent(id)}/cancel`, { method: "POST" }),
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
