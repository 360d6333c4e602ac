// The API's types, named once for the rest of the app: aliases of the types generated from the
// backend's OpenAPI schema (./generated/openapi.ts) and WebSocket JSON Schema (./generated/ws.ts).
// Regenerate with `npm run gen:api`; a test fails when the generated files are stale.
import type { components } from "./generated/openapi";
import type * as Ws from "./generated/ws";

type Schemas = components["schemas"];

export type BlockSpec = Schemas["ConvBlock"];
/** The builder always holds a full spec: `blocks` is optional only because it has a default. */
export type ModelSpec = Omit<Schemas["ModelSpec"], "blocks"> & { blocks: BlockSpec[] };
export type DatasetName = ModelSpec["dataset"];
export type Variant = ModelSpec["variant"];
export type Downsample = ModelSpec["downsample"];
export type Activation = ModelSpec["activation"];
export type LossName = ModelSpec["loss"];
export type OptimizerName = ModelSpec["optimizer"];

export type LayerRow = Schemas["LayerRow"];
export type SpecValidation = Schemas["SpecReport"];
export type ValidationErrorItem = Schemas["ValidationError"];
export type DatasetInfo = Schemas["DatasetInfo"];
export type Sample = Schemas["Sample"];
export type SampleList = Schemas["SampleList"];
export type ModelSummary = Schemas["ModelSummary"];
/** A model folder that cannot be used (listed with the reason, so that it can be deleted). */
export type UnavailableModel = Schemas["UnavailableModel"];
export type ModelDetail = Schemas["ModelDetail"];
export type Percentiles = Schemas["DimStats"];
export type LatentStats = Schemas["LatentStats"];
/** The test set's codes on a 2-D map (PCA, t-SNE, UMAP or a 2-D model's latent plane). */
export type LatentMap = Schemas["LatentMap"];
/** A t-SNE or UMAP map still being computed (the 202 of GET .../latent-map). */
export type LatentMapStatus = Schemas["LatentMapStatus"];
export type MapMethod = LatentMap["method"];
/** The maps the server places a latent on (PCA is placed in the browser). */
export type PlacedMap = Exclude<MapMethod, "pca">;
export type ExploreResult = Schemas["ExploreResult"];
export type DecodeResult = Schemas["DecodeResult"];
export type Health = Schemas["Health"];
export type Corruption = Schemas["Corruption"];
export type InterpolateRequest = Schemas["InterpolateRequest"];
export type InterpolateResult = Schemas["InterpolateResult"];
export type TraverseRequest = Schemas["TraverseRequest"];
export type TraverseResult = Schemas["TraverseResult"];
export type SamplesResult = Schemas["SamplesResult"];
/** A model's training timeline: its frames' index, step, epoch and loss. */
export type Timeline = Schemas["Timeline"];
export type TimelineFrameInfo = Schemas["TimelineFrameInfo"];
/** One frame: probe images and reconstructions, probe 0's every layer, the map sample's positions. */
export type TimelineFrame = Schemas["TimelineFrame"];

export type Tensor8 = Ws.Tensor8;
export type LayerActivation = Ws.LayerActivation;
export type EpochMetrics = Ws.EpochMetrics;
export type JobProgress = Ws.Progress;
export type JobInfo = Ws.JobInfo;
export type JobState = JobInfo["state"];
export type JobDetail = Schemas["JobDetail"];

export type JobServerMessage = Ws.AevpWsProtocol["job_stream"];
export type SnapshotMessage = Ws.SnapshotMessage;
export type ExploreClientMessage = Ws.AevpWsProtocol["explore_client"];
export type ExploreServerMessage = Ws.AevpWsProtocol["explore_server"];
/** The latent-map socket's messages (the protocol's first name for that stream). */
export type LatentMapStreamMessage = Ws.AevpWsProtocol["projection_stream"];

/** A sweep: one job per combination of the grid's values over a base spec, with each job's final metrics. */
export type SweepInfo = Schemas["SweepInfo"];
export type SweepJob = Schemas["SweepJob"];
