// The spec being edited in the builder, and what the service says of it.
import type { ModelSpec, SpecValidation } from "../../api/types";
import { SPEC_DEFAULTS } from "../../api/generated/spec";
import { slice } from "./slice";

export interface Validation {
  status: "idle" | "checking" | "valid" | "invalid" | "error";
  result: SpecValidation | null;
  /** Field errors keyed "blocks.0.filters", "latent_dim", … ("_spec" for the spec as a whole). */
  errors: Record<string, string>;
  message: string | null;
}

/** The service's defaults for every field, blocks included (a fresh copy each call). */
export function defaultSpec(): ModelSpec {
  return { ...SPEC_DEFAULTS, blocks: (SPEC_DEFAULTS.blocks ?? []).map((b) => ({ ...b })) };
}

export interface DraftState {
  spec: ModelSpec;
  validation: Validation;
}

export const draftStore = slice<DraftState>(() => ({
  spec: defaultSpec(),
  validation: { status: "idle", result: null, errors: {}, message: null },
}));
export const useDraft = draftStore.use;

export const selectSpec = (s: DraftState) => s.spec;
export const selectValidation = (s: DraftState) => s.validation;
