// The view in the address bar: a link opens the view it names (state/url.ts reads it), and the URL's
// fragment follows what the user does through history.replaceState (no history entry per slider step, no
// reload): once the view has been still for 300 ms, and at least every second while it keeps changing.
// A link edited or pasted into the same tab is applied too.
import type { ModelSummary } from "../../api/types";
import { bytesToUnit } from "../../lib/viz/preprocess";
import { catalogStore } from "../slices/catalog";
import { compareStore } from "../slices/compare";
import { exploreStore } from "../slices/explore";
import { mapsStore } from "../slices/maps";
import { modelStore } from "../slices/model";
import { pageStore } from "../slices/page";
import { timelineStore } from "../slices/timeline";
import { checkLink, decodeLink, droppedNotice, encodeLink, toBytes, type ReadLink, type ViewLink } from "../url";
import type { CompareSession } from "./compare";
import type { ExploreSession } from "./explore";
import { notify, type LabClient } from "./notify";

/** Where the link lives: the page's URL, or a plain string in tests. */
export interface Address {
  /** The fragment, with or without its "#". */
  read(): string;
  /** Replaces the fragment without a reload or a history entry. */
  write(fragment: string): void;
  /** The whole URL, to copy. */
  href(): string;
  /** Calls back when the user changes the fragment by hand; returns the unsubscribe. */
  listen(onChange: () => void): () => void;
}

export const browserAddress: Address = {
  read: () => location.hash,
  write: (fragment) => history.replaceState(history.state, "", `${location.pathname}${location.search}${fragment ? `#${fragment}` : ""}`),
  href: () => location.href,
  listen: (onChange) => {
    addEventListener("hashchange", onChange);
    return () => removeEventListener("hashchange", onChange);
  },
};

/** The "How it learned" timeline, once it exists: the frame shown, and showing a link's frame. */
export interface FrameHook {
  frame(): number | null;
  show(frame: number): void;
}

/** The link is written once the view has been still this long... */
export const FOLLOW_MS = 300;
/** ...or when it has been this long behind a view that keeps changing (a long drag, a training's frames). */
export const FOLLOW_MAX_MS = 1000;

export class LinkSession {
  /** Set by the timeline session; until then a link's frame is kept in the URL unapplied. */
  timeline: FrameHook | null = null;
  private pendingFrame: number | undefined;
  private written: string | null = null;
  /** When the first change not yet written came (null: none waits). */
  private changedSince: number | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stops: (() => void)[] = [];
  private restoring = false;

  constructor(
    private readonly client: LabClient,
    private readonly explore: ExploreSession,
    private readonly compare: CompareSession,
    private readonly address: Address = browserAddress,
    private readonly followMs = FOLLOW_MS,
    private readonly followMaxMs = FOLLOW_MAX_MS,
  ) {}

  /** The link the page was opened with (its unreadable parts named in `dropped`). */
  read(): ReadLink {
    return decodeLink(this.address.read());
  }

  /** Opens the view a link names, after the catalog is loaded; what no longer fits is dropped with a notice. */
  async restore(link: ReadLink, fallback: ModelSummary | undefined): Promise<void> {
    const { models, datasets } = catalogStore.get();
    const checked = checkLink(link.view, models, datasets, fallback);
    const dropped = [...link.dropped, ...checked.dropped];
    const view = checked.view;
    this.restoring = true;
    try {
      await this.apply(view, dropped);
    } finally {
      this.restoring = false;
    }
    if (dropped.length) notify("warning", droppedNotice(dropped));
    this.schedule();
  }

  /** What the page shows now, as a link. */
  current(): ViewLink {
    const { id: model } = modelStore.get();
    const { inputSource: src, input, decoded, latent } = exploreStore.get();
    const frame = this.timeline ? this.timeline.frame() ?? undefined : this.pendingFrame;
    return {
      model: model ?? undefined,
      tab: pageStore.get().tab,
      input:
        src.kind === "sample"
          ? { kind: "sample", dataset: src.dataset, index: src.index }
          : src.kind === "drawing" && input
            ? { kind: "drawing", pixels: toBytes(input) }
            : undefined,
      latent: decoded && latent ? latent : undefined,
      map: mapsStore.get().method,
      compare: compareStore.get().id ?? undefined,
      frame,
    };
  }

  /** From now on the URL follows the view; a fragment changed by hand is opened. */
  follow(): void {
    const stores = [pageStore, modelStore, exploreStore, mapsStore, compareStore, timelineStore];
    this.stops = stores.map((s) => s.subscribe(() => this.schedule()));
    this.stops.push(
      this.address.listen(() => {
        if (this.address.read().replace(/^#/, "") === this.written) return;
        const models = catalogStore.get().models;
        void this.restore(this.read(), models.find((m) => m.id === modelStore.get().id));
      }),
    );
    this.schedule();
  }

  /** The link to the view as it is now (written at once, not at the next tick). */
  href(): string {
    this.flush();
    return this.address.href();
  }

  dispose(): void {
    for (const stop of this.stops) stop();
    this.stops = [];
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /**
   * Written `followMs` after the last change, or `followMaxMs` after the first unwritten one. Each write costs
   * Chromium's main thread 0.6-2 ms and the browser process more: one every 300 ms of a slider drag left
   * frames without a new image (docs/performance.md).
   */
  private schedule(): void {
    if (this.restoring) return;
    const now = performance.now();
    this.changedSince ??= now;
    if (this.timer) clearTimeout(this.timer);
    const wait = Math.min(this.followMs, this.changedSince + this.followMaxMs - now);
    this.timer = setTimeout(() => this.flush(), Math.max(0, wait));
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.changedSince = null;
    const fragment = encodeLink(this.current());
    if (fragment === this.written) return;
    this.written = fragment;
    this.address.write(fragment);
  }

  /** In order: the input (so the model opens on it), the model, the sliders, the map, Compare's pair, the tab. */
  private async apply(view: ViewLink, dropped: string[]): Promise<void> {
    const input = view.input;
    if (input?.kind === "drawing") {
      this.explore.showLinked(Float32Array.from(input.pixels, (b) => b / 255), { kind: "drawing" });
    } else if (input?.kind === "sample") {
      const sample = await this.client
        .samples(input.dataset, { split: "test", limit: 1, offset: input.index })
        .then((page) => page.items[0])
        .catch(() => undefined);
      if (sample) this.explore.showLinked(bytesToUnit(sample.image), { kind: "sample", dataset: input.dataset, index: sample.index, label: sample.label });
      else dropped.push(`its test image #${input.index} (not found)`);
    }
    // The same model (a fragment edited by hand) has explored the new input already.
    if (view.model && view.model !== modelStore.get().id) await this.explore.selectModel(view.model);
    const model = catalogStore.get().models.find((m) => m.id === view.model);
    if (model && input) void this.explore.fillWalkEnds(model.dataset);
    if (view.latent) this.explore.setLatent(view.latent);
    else if (exploreStore.get().decoded) this.explore.resetLatent();
    if (view.map && view.map !== mapsStore.get().method) this.explore.maps.select(view.map);
    if (view.compare) this.compare.prefer(view.compare);
    if (view.frame !== undefined) {
      if (this.timeline) this.timeline.show(view.frame);
      else this.pendingFrame = view.frame;
    }
    pageStore.set({ tab: view.tab ?? "explore" });
  }
}
