// The page's sessions, made once per page: the catalog of models, the explored model (with its maps),
// Compare, the spec being edited and the watched job. Components reach them through useSessions()
// and report what the user did; only sessions call the API and write the store slices.
import { api } from "../api/client";
import type { NormMode } from "../lib/viz/normalize";
import { catalogStore } from "./slices/catalog";
import { compareStore } from "./slices/compare";
import { modelStore } from "./slices/model";
import { pageStore, type Tab } from "./slices/page";
import { CatalogSession } from "./sessions/catalog";
import { CompareSession } from "./sessions/compare";
import { DraftSession } from "./sessions/draft";
import { ExploreSession } from "./sessions/explore";
import { JobSession } from "./sessions/job";
import { LinkSession, type Address } from "./sessions/link";
import { SweepSession } from "./sessions/sweep";
import { TimelineSession } from "./sessions/timeline";
import { message, notify, type LabClient } from "./sessions/notify";
import { initialModel } from "./views";

export class Lab {
  readonly catalog: CatalogSession;
  readonly compare: CompareSession;
  readonly explore: ExploreSession;
  readonly draft: DraftSession;
  readonly job: JobSession;
  readonly sweep: SweepSession;
  /** "How it learned": the explored model's training timeline. */
  readonly timeline: TimelineSession;
  /** The view in the URL: read at boot, followed after. */
  readonly link: LinkSession;

  constructor(client: LabClient = api, address?: Address) {
    this.catalog = new CatalogSession(client);
    this.compare = new CompareSession();
    this.explore = new ExploreSession(client, this.compare);
    this.draft = new DraftSession(client);
    this.job = new JobSession(client, this.draft, () => void this.catalog.refresh());
    this.sweep = new SweepSession(client, {
      explore: (id) => this.exploreTrained(id),
      compare: (a, b) => this.compareTrained(a, b),
      jobEnded: () => void this.catalog.refresh(),
    });
    this.link = new LinkSession(client, this.explore, this.compare, address);
    this.timeline = new TimelineSession(client);
    this.link.timeline = this.timeline;
  }

  /** Loads datasets, models and any running job; opens the view the URL names, else the first model
   * with a test image in it; then the URL follows the view. */
  async boot(): Promise<void> {
    const link = this.link.read();
    this.timeline.follow();
    const datasets = this.catalog.loadDatasets();
    await this.catalog.refresh();
    const first = initialModel(catalogStore.get().models);
    if (Object.keys(link.view).length || link.dropped.length) {
      await datasets; // a test image's index is checked against its dataset's size
      await this.link.restore(link, first);
    } else if (first) await this.explore.selectModel(first.id);
    await datasets;
    this.link.follow();
    void this.job.resume();
    this.draft.validate();
  }

  dispose(): void {
    this.link.dispose();
    this.timeline.dispose();
    this.explore.dispose();
    this.job.dispose();
    this.sweep.dispose();
    this.compare.dispose();
    this.draft.dispose();
  }

  setTab(tab: Tab): void {
    pageStore.set({ tab });
    this.explore.followTab();
  }

  setNorm(norm: NormMode): void {
    pageStore.set({ norm });
  }

  dismissNotice(): void {
    pageStore.set({ notice: null });
  }

  async deleteModel(id: string): Promise<void> {
    try {
      await this.catalog.delete(id);
      await this.catalog.refresh();
      if (compareStore.get().id === id) this.compare.close();
      if (modelStore.get().id === id) {
        const next = initialModel(catalogStore.get().models);
        if (next) await this.explore.selectModel(next.id);
        else this.explore.closeModel();
      }
      notify("info", "Model deleted.");
    } catch (e) {
      notify("error", `Could not delete: ${message(e)}`);
    }
  }

  async uploadModel(file: File): Promise<void> {
    try {
      const m = await this.catalog.upload(file);
      await this.catalog.refresh();
      await this.explore.selectModel(m.id);
      notify("info", `Uploaded "${m.title}".`);
    } catch (e) {
      notify("error", `Could not upload ${file.name}: ${message(e)}`);
    }
  }

  /** "Explore this model" after training: the new model in the Explore view. */
  async exploreTrained(modelId: string): Promise<void> {
    await this.catalog.refresh();
    this.setTab("explore");
    await this.explore.selectModel(modelId);
  }

  /** Two trained models (a sweep's points) side by side in Compare: the first explored, the second beside it. */
  async compareTrained(first: string, second: string): Promise<void> {
    await this.catalog.refresh();
    await this.explore.selectModel(first);
    this.compare.prefer(second);
    this.setTab("compare");
  }
}
