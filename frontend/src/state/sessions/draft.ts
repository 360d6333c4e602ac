// The spec being edited: every change goes to the service for live validation; the newest draft wins.
import { ApiError, fieldErrors } from "../../api/client";
import { BLOCK_DEFAULTS } from "../../api/generated/spec";
import type { BlockSpec, ModelSpec } from "../../api/types";
import { draftStore } from "../slices/draft";
import { message, type LabClient } from "./notify";

export class DraftSession {
  private abort: AbortController | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly client: LabClient) {}

  setSpec(spec: ModelSpec): void {
    draftStore.set({ spec });
    this.validate(spec);
  }

  setField<K extends keyof ModelSpec>(key: K, value: ModelSpec[K]): void {
    this.setSpec({ ...draftStore.get().spec, [key]: value });
  }

  setBlock(i: number, patch: Partial<BlockSpec>): void {
    const { blocks } = draftStore.get().spec;
    this.setField("blocks", blocks.map((b, j) => (j === i ? { ...b, ...patch } : b)));
  }

  /** A new last block, as wide as the one before it. */
  addBlock(): void {
    const { blocks } = draftStore.get().spec;
    this.setField("blocks", [...blocks, { filters: blocks[blocks.length - 1]?.filters ?? BLOCK_DEFAULTS.filters, kernel: BLOCK_DEFAULTS.kernel }]);
  }

  removeBlock(i: number): void {
    this.setField("blocks", draftStore.get().spec.blocks.filter((_, j) => j !== i));
  }

  /** Live validation through the service, `delayMs` after the last change. */
  validate(spec: ModelSpec = draftStore.get().spec, delayMs = 120): void {
    if (this.timer) clearTimeout(this.timer);
    draftStore.set((s) => ({ validation: { ...s.validation, status: "checking" } }));
    this.timer = setTimeout(async () => {
      this.abort?.abort();
      const abort = new AbortController();
      this.abort = abort;
      try {
        const result = await this.client.validateSpec(spec, abort.signal);
        if (abort.signal.aborted) return;
        draftStore.set({ validation: { status: result.valid ? "valid" : "invalid", result, errors: {}, message: null } });
      } catch (e) {
        if (abort.signal.aborted) return;
        if (e instanceof ApiError && e.status === 422) {
          draftStore.set({ validation: { status: "invalid", result: null, errors: fieldErrors(e.detail), message: null } });
        } else {
          draftStore.set({ validation: { status: "error", result: null, errors: {}, message: `Could not check the spec: ${message(e)}` } });
        }
      }
    }, delayMs);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.abort?.abort();
  }
}
