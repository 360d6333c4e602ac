// The API's types, named once for the rest of the app.
// Hand-written from docs/api.md until the backend exports its OpenAPI and WebSocket schemas;
// then these names become aliases of the generated types in ./generated (see `npm run gen:api`).

export type DatasetName = "mnist" | "fashion-mnist";
export type Variant = "plain" | "denoising" | "vae";
export type Downsample = "maxpool" | "stride";
export type Activation = "relu" | "leaky_relu" | "gelu" | "silu" | "tanh";
export type LossName = "bce" | "mse";
export type OptimizerName = "adam" | "adamw" | "sgd";

export interface BlockSpec {
  filters: number;
  kernel: number;
}

export interface ModelSpec {
  dataset: DatasetName;
  variant: Variant;
  blocks: BlockSpec[];
  downsample: Downsample;
  latent_dim: number;
  activation: Activation;
  loss: LossName;
  optimizer: OptimizerName;
  learning_rate: number;
  batch_size: number;
  epochs: number;
  seed: number;
}

export interface LayerRow {
  name: string;
  part: "encoder" | "decoder";
  kind: string;
  shape: number[];
  params: number;
  flops: number;
  activation: string | null;
}

export interface SpecValidation {
  valid: boolean;
  layers: LayerRow[];
  params: number;
  forward_flops: number;
  train_flops: number;
}

export interface ValidationErrorItem {
  loc: (string | number)[];
  msg: string;
  type: string;
}

export interface DatasetClass {
  index: number;
  name: string;
}

export interface DatasetInfo {
  name: string;
  title: string;
  train_size: number;
  test_size: number;
  verified: boolean;
  classes: DatasetClass[];
}

export interface Sample {
  index: number;
  label: number;
  image: number[];
}

export interface SampleList {
  items: Sample[];
}

export type Metrics = Record<string, number | null>;

export interface ModelSummary {
  id: string;
  title: string;
  dataset: string;
  spec: ModelSpec;
  params: number;
  metrics: Metrics;
  pretrained: boolean;
  created: string;
}

export interface EpochMetrics {
  epoch: number;
  train_loss: number;
  test_loss: number;
  psnr: number;
  ssim: number;
}

export interface ModelDetail extends ModelSummary {
  layers: LayerRow[];
  history: { losses: number[]; epochs: EpochMetrics[] };
}

export interface Percentiles {
  p1: number;
  p5: number;
  p25: number;
  p50: number;
  p75: number;
  p95: number;
  p99: number;
  mean: number;
  std: number;
}

export interface LatentStats {
  dims: Percentiles[];
}

export interface Tensor8 {
  shape: number[];
  lo: number[];
  hi: number[];
  data: string;
}

export interface LayerActivation {
  name: string;
  part: "encoder" | "decoder";
  kind: string;
  tensor: Tensor8;
}

export interface ExploreResult {
  latent: number[];
  reconstruction: number[];
  activations: LayerActivation[];
  mse: number;
  psnr: number;
}

export interface DecodeResult {
  reconstruction: number[];
  /** Not in protocol v1; painted when a later backend sends the decoder's activations too. */
  activations?: LayerActivation[];
}

export type JobState = "queued" | "running" | "done" | "cancelled" | "failed";

export interface JobProgress {
  epoch: number;
  epochs: number;
  step: number;
  total_steps: number;
  images_per_s: number;
  eta_s: number | null;
  fraction: number;
}

export interface JobInfo {
  id: string;
  state: JobState;
  spec: ModelSpec;
  created: string;
  progress: JobProgress;
  model_id: string | null;
  error: string | null;
}

export interface JobDetail extends JobInfo {
  losses: number[];
  epochs: EpochMetrics[];
}

// WebSocket messages (every one carries "v": 1 and a "type").
export interface WsBase {
  v?: number;
}

export type JobServerMessage =
  | (WsBase & { type: "hello"; job: JobInfo })
  | (WsBase & { type: "history"; losses: number[]; epochs: EpochMetrics[] })
  | (WsBase & { type: "losses"; start_step: number; values: number[] })
  | (WsBase & { type: "progress" } & JobProgress)
  | (WsBase & { type: "epoch" } & EpochMetrics)
  | (WsBase & {
      type: "snapshot";
      step: number;
      inputs: Tensor8[];
      reconstructions: Tensor8[];
      activations: LayerActivation[];
    })
  | (WsBase & { type: "end"; state: JobState; model_id: string | null; error: string | null })
  | (WsBase & { type: "error"; message: string });

export type SnapshotMessage = Extract<JobServerMessage, { type: "snapshot" }>;

export type ExploreClientMessage =
  | { v: 1; type: "explore"; request_id: number; image: number[] }
  | { v: 1; type: "decode"; request_id: number; latent: number[] };

export type ExploreServerMessage =
  | (WsBase & { type: "explore_result"; request_id: number } & ExploreResult)
  | (WsBase & { type: "decode_result"; request_id: number } & DecodeResult)
  | (WsBase & { type: "error"; request_id: number | null; message: string });
