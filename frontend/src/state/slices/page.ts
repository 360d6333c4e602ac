// The page around the views: which tab is shown, the notice line, the heatmaps' colour scaling.
import type { NormMode } from "../../lib/viz/normalize";
import { slice } from "./slice";

export type Tab = "explore" | "compare" | "build" | "sweeps";

export interface Notice {
  /** info fades after a while; a warning (a link not restored in full) and an error stay until dismissed. */
  kind: "error" | "warning" | "info";
  text: string;
}

export interface PageState {
  tab: Tab;
  notice: Notice | null;
  /** How the activation heatmaps scale their colours: per channel, per layer or over all layers. */
  norm: NormMode;
}

export const pageStore = slice<PageState>(() => ({ tab: "explore", notice: null, norm: "channel" }));
export const usePage = pageStore.use;

export const selectTab = (s: PageState) => s.tab;
export const selectNotice = (s: PageState) => s.notice;
export const selectNorm = (s: PageState) => s.norm;
