// What the service offers: its datasets and its models; a model file downloaded or uploaded.
import type { ModelSummary, UnavailableModel } from "../../api/types";
import { catalogStore } from "../slices/catalog";
import { message, notify, type LabClient } from "./notify";

export class CatalogSession {
  constructor(private readonly client: LabClient) {}

  async loadDatasets(): Promise<void> {
    try {
      catalogStore.set({ datasets: await this.client.datasets() });
    } catch {
      /* the builder falls back to the spec's dataset names */
    }
  }

  async refresh(): Promise<void> {
    try {
      // The listing holds usable models and unavailable ones (available: false); only the first can be explored.
      const all: (ModelSummary | UnavailableModel)[] = await this.client.models();
      const models = all.filter((m): m is ModelSummary => m.available !== false);
      const unavailable = all.filter((m): m is UnavailableModel => m.available === false);
      catalogStore.set({ models, unavailable, modelsLoaded: true });
    } catch (e) {
      catalogStore.set({ modelsLoaded: true });
      notify("error", `Could not list the models: ${message(e)}`);
    }
  }

  downloadUrl(id: string): string {
    return this.client.downloadUrl(id);
  }

  /** Sends a model file to the service; resolves with its entry, or rejects with the service's reason. */
  upload(file: File): Promise<ModelSummary> {
    return this.client.uploadModel(file);
  }

  delete(id: string): Promise<unknown> {
    return this.client.deleteModel(id);
  }
}
