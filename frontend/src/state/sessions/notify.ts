// What every session needs to tell the user something: the notice line, and an error as text.
import type { api } from "../../api/client";
import { pageStore, type Notice } from "../slices/page";

/** The REST client the sessions call (a fake one in tests). */
export type LabClient = typeof api;

export const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

export function notify(kind: Notice["kind"], text: string): void {
  pageStore.set({ notice: { kind, text } });
}
