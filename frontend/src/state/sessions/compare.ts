// Compare: a second model with its own explore socket, fed the same input and noise as the first.
import { ExploreSocket } from "../../api/sockets";
import type { Corruption } from "../../api/types";
import { catalogStore } from "../slices/catalog";
import { compareStore } from "../slices/compare";
import { exploreStore } from "../slices/explore";
import { modelStore } from "../slices/model";
import { pageStore } from "../slices/page";
import { compareCandidate, exploreView } from "../views";

export class CompareSession {
  private socket: ExploreSocket | null = null;
  /** The input when Compare was opened: a drawing made there repaints the Explore canvas on leaving. */
  private enteredWith: Float32Array | null = null;

  /** Compare opened: a second model (the last one, else a candidate) gets the current input. */
  enter(): void {
    const { models } = catalogStore.get();
    const { id: last } = compareStore.get();
    const { input } = exploreStore.get();
    this.enteredWith = input;
    const id = last && models.some((m) => m.id === last) ? last : compareCandidate(models, modelStore.get().id)?.id;
    if (!id) return;
    if (id !== last || !this.socket) this.select(id);
    else if (input) this.socket.explore(input);
  }

  /** Compare closed: after a drawing there, the Explore canvas repaints from the input, so the two agree. */
  leave(): void {
    if (this.enteredWith !== exploreStore.get().input) exploreStore.set((s) => ({ canvasVersion: s.canvasVersion + 1 }));
  }

  /** A shared link's second model: opened when Compare is (not before: no socket while unseen). */
  prefer(id: string): void {
    if (compareStore.get().id === id) return;
    if (pageStore.get().tab === "compare") return this.select(id);
    this.socket?.close();
    this.socket = null;
    compareStore.set({ id, result: null, socket: "closed", error: null });
  }

  select(id: string): void {
    this.socket?.close();
    compareStore.set({ id, result: null, error: null });
    this.socket = new ExploreSocket(id, {
      onStatus: (socket) => compareStore.set({ socket }),
      onError: (error) => compareStore.set({ error }),
      onExplore: (r, sent, asked) => compareStore.set({ result: exploreView(r, sent, asked), error: null }),
      onDecode: () => undefined, // Compare sends images only
    });
    const { corruption, input } = exploreStore.get();
    this.socket.corruption = corruption; // the same noisy input for both models
    if (input) this.socket.explore(input);
  }

  close(): void {
    this.socket?.close();
    this.socket = null;
    compareStore.set({ id: null, result: null, socket: "closed", error: null });
  }

  /** The first model's new input: explored here too while Compare is shown. */
  followInput(image: Float32Array): void {
    if (pageStore.get().tab === "compare") this.socket?.explore(image);
  }

  /** The noise the user chose: sent with every image from now on. */
  setCorruption(corruption: Corruption | null): void {
    if (this.socket) this.socket.corruption = corruption;
  }

  /** A new first model brings its own noise (a denoising model's, or none): this model must see it too. */
  followModelNoise(corruption: Corruption | null): void {
    if (!this.socket || this.socket.corruption === corruption) return;
    this.socket.corruption = corruption;
    const { input } = exploreStore.get();
    if (input) this.followInput(input);
  }

  /** The input was cleared. */
  clearResult(): void {
    compareStore.set({ result: null });
  }

  dispose(): void {
    this.socket?.close();
    this.socket = null;
  }
}
