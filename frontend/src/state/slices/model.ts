// The model being explored: its id, its details (layers, history) and its code's statistics.
import type { LatentStats, ModelDetail, ModelSummary, Variant } from "../../api/types";
import { SPEC_DEFAULTS } from "../../api/generated/spec";
import { useCatalog } from "./catalog";
import { slice } from "./slice";

export interface ModelState {
  id: string | null;
  /** Asked after the first picture: null until it comes. */
  detail: ModelDetail | null;
  /** Each code dimension's percentiles over the test set (the sliders' ranges). */
  latentStats: LatentStats | null;
}

export const modelStore = slice<ModelState>(() => ({ id: null, detail: null, latentStats: null }));
export const useModel = modelStore.use;

export const selectModelId = (s: ModelState) => s.id;
export const selectDetail = (s: ModelState) => s.detail;
export const selectLatentStats = (s: ModelState) => s.latentStats;

/** The explored model's entry in the model list (there before its details arrive). */
export function useModelSummary(): ModelSummary | undefined {
  const id = useModel(selectModelId);
  return useCatalog((s) => s.models.find((m) => m.id === id));
}

/** The explored model's dataset (the default dataset before any model is known). */
export function useDataset(): string {
  const detail = useModel(selectDetail);
  const summary = useModelSummary();
  return detail?.dataset ?? summary?.dataset ?? SPEC_DEFAULTS.dataset;
}

/** The explored model's variant, from the model list; undefined before it is known. */
export function useVariant(): Variant | undefined {
  return useModelSummary()?.spec.variant;
}

/** The explored model's code size, from its details or else the model list. */
export function useLatentDim(): number | undefined {
  const detail = useModel(selectDetail);
  const summary = useModelSummary();
  return detail?.spec.latent_dim ?? summary?.spec.latent_dim;
}
