// What the service offers: its datasets and its models (pretrained and trained here).
import type { DatasetInfo, ModelSummary, UnavailableModel } from "../../api/types";
import { slice } from "./slice";

export interface CatalogState {
  datasets: DatasetInfo[];
  models: ModelSummary[];
  /** Model folders the service cannot use (no weights, a damaged file), each with its problem. */
  unavailable: UnavailableModel[];
  /** False until the first answer (or failure) of the model list. */
  modelsLoaded: boolean;
}

export const catalogStore = slice<CatalogState>(() => ({ datasets: [], models: [], unavailable: [], modelsLoaded: false }));
export const useCatalog = catalogStore.use;

export const selectDatasets = (s: CatalogState) => s.datasets;
export const selectModels = (s: CatalogState) => s.models;
export const selectUnavailable = (s: CatalogState) => s.unavailable;
export const selectModelsLoaded = (s: CatalogState) => s.modelsLoaded;

/** A dataset's class names by label ("7", "Sneaker"), the label itself when unknown. */
export function className(datasets: readonly DatasetInfo[], dataset: string, label: number): string {
  return datasets.find((d) => d.name === dataset)?.classes.find((k) => k.index === label)?.name ?? String(label);
}
