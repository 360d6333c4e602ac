// The explored model's sliders: their moves gathered into one store update per animation frame, and each
// frame's code decoded, in the page once the model's decoder is loaded (../../lib/decoder), by the service
// (the explore socket's decode lane) until then. While a t-SNE or UMAP map is shown, the service also places
// the code on it.
import type { DecodeAnswer } from "../../api/exploreFrames";
import type { ExploreSocket } from "../../api/sockets";
import type { LocalDecoded, SliderDecoder } from "../../lib/decoder/browserDecoder";
import { exploreStore, type DecodedView } from "../slices/explore";
import { modelStore } from "../slices/model";
import { decodedView, startDecoded } from "../views";
import type { MapsSession } from "./maps";

/** Runs `f` before the next repaint (or soon, where there is no repaint: tests outside a browser). */
function beforeRepaint(f: () => void): number | ReturnType<typeof setTimeout> {
  return typeof requestAnimationFrame === "function" ? requestAnimationFrame(f) : setTimeout(f, 0);
}

/** Moves this close to the last code sent are one drag: their codes wait for the next frame. */
const DRAG_GAP_MS = 50;

const now = () => performance.now();

export class Sliders {
  /** Slider values moved since the last frame, by dimension. */
  private readonly moves = new Map<number, number>();
  /** The sliders' newest decoding, not yet shown. */
  private answer: DecodedView | null = null;
  /** Where the service put the sliders' newest code on its t-SNE/UMAP maps, not yet shown. */
  private positions: { value: DecodeAnswer["map_positions"] } | null = null;
  private frame: number | ReturnType<typeof setTimeout> | null = null;
  /** Decodes slider codes in the page; null where it cannot (then the service does). */
  private readonly decoder: SliderDecoder | null;
  /** Who decodes the newest code: the service's answers are shown only while it is the service. */
  private decodedBy: "page" | "service" = "service";
  /** When a code last went to the page's decoder, and whether newer moves wait for the next frame. */
  private sentAt = -Infinity;
  private heldForFrame = false;

  constructor(
    private readonly socket: () => ExploreSocket | null,
    private readonly maps: MapsSession,
    makeDecoder: (onDecoded: (d: LocalDecoded) => void) => SliderDecoder | null,
  ) {
    this.decoder = makeDecoder((d) => this.decodedHere(d));
  }

  /** The model's decoder, fetched for the page; until it is in (or if it fails), the service decodes. */
  load(id: string, fetchDecoder: () => Promise<ArrayBuffer>, current: () => boolean): void {
    const decoder = this.decoder;
    if (!decoder) return;
    Promise.resolve()
      .then(fetchDecoder)
      .then((buffer) => current() && decoder.load(id, buffer))
      .catch(() => undefined);
  }

  /** A slider moved: applied (and decoded) once per animation frame, however many input events came. */
  move(dim: number, value: number): void {
    const latent = exploreStore.get().latent;
    if (!latent) return;
    this.moves.set(dim, value);
    // In the page, a drag's codes go to the worker at the start of each frame (`applyFrame`): decoded while
    // the page renders that frame, each is ready for the next one. A move after a pause goes at once. One
    // decoding per frame: a pointer reports ~125 inputs/s, and decoding each (or the first of each frame,
    // which arrives only once the frame's rendering is over) left frames with no new decoding to show
    // (docs/performance.md).
    const id = this.pageModel();
    if (id) {
      this.decodedBy = "page";
      if (now() - this.sentAt < DRAG_GAP_MS) this.heldForFrame = true;
      else this.sendToPage(id, this.withMoves(latent));
    }
    this.nextFrame();
  }

  /** Every slider at once (a shared link's values), decoded as if moved by hand. */
  set(latent: number[]): void {
    this.drop();
    const s = exploreStore.get();
    exploreStore.set({ latent, decoded: startDecoded(s.result, latent) });
    this.decode(latent);
  }

  /** Back to the drawing's code. */
  reset(): void {
    this.drop();
    exploreStore.set((s) => ({ latent: s.result?.latent ?? null, decoded: null }));
  }

  /** Slider moves and a decoding not shown yet belong to the code being replaced. */
  drop(): void {
    this.moves.clear();
    this.heldForFrame = false;
    this.answer = null;
    this.positions = null;
  }

  /** A code to decode: in the page when it can, else by the service; t-SNE and UMAP place it on the service. */
  decode(latent: number[]): void {
    const id = this.pageModel();
    if (!id) return this.decodeByService(latent);
    this.decodedBy = "page";
    this.sendToPage(id, latent);
    this.placeOnMaps(latent);
  }

  /** The service's answer: shown at the next frame with the moves since, unless the page decodes the sliders. */
  fromService(r: DecodeAnswer & { request_id: number }, sent: number[]): void {
    if (this.decodedBy === "service") this.answer = decodedView(r, sent);
    this.positions = { value: r.map_positions };
    this.nextFrame();
  }

  dispose(): void {
    this.decoder?.dispose();
  }

  /** A code decoded in the page: shown at the next frame, as a service answer would be. */
  private decodedHere(d: LocalDecoded): void {
    if (d.modelId !== modelStore.get().id) return;
    const layers = d.layers.map((l) => ({ ...l, part: "decoder" as const }));
    this.answer = { requestId: d.seq, latent: d.latent, reconstruction: layers.at(-1)!.tensor.data, layers, inPage: true, decodeMs: d.ms };
    this.nextFrame();
  }

  /** The explored model, where the page decodes its codes; null while the service does. */
  private pageModel(): string | null {
    const id = modelStore.get().id;
    return id && this.decoder?.readyFor(id) ? id : null;
  }

  private sendToPage(id: string, latent: number[]): void {
    this.sentAt = now();
    this.heldForFrame = false;
    this.decoder!.decode(id, latent);
  }

  private withMoves(latent: number[]): number[] {
    const moved = latent.slice();
    for (const [dim, value] of this.moves) moved[dim] = value;
    return moved;
  }

  private decodeByService(latent: number[]): void {
    this.decodedBy = "service";
    const socket = this.socket();
    if (socket) socket.decodeLayers = null;
    socket?.decode(latent);
  }

  /** While a t-SNE/UMAP map is shown, the service places the page-decoded code on it. */
  private placeOnMaps(latent: number[]): void {
    const socket = this.socket();
    if (!socket?.maps.length) return;
    socket.decodeLayers = []; // the positions only: the heatmaps are computed here
    socket.decode(latent);
  }

  private nextFrame(): void {
    if (this.frame === null) this.frame = beforeRepaint(() => this.applyFrame());
  }

  /** The frame's moves and newest decoding, in one store update; the moved code is then decoded. */
  private applyFrame(): void {
    this.frame = null;
    const s = exploreStore.get();
    const answer = this.answer;
    const positions = this.positions;
    this.answer = null;
    this.positions = null;
    // Dropped when the sliders were reset to the drawing meanwhile.
    const shown = answer && s.decoded ? answer : s.decoded;
    if (s.latent && this.moves.size) {
      const latent = this.withMoves(s.latent);
      this.moves.clear();
      exploreStore.set({ latent, decoded: shown ?? startDecoded(s.result, latent) });
      // The page decodes the frame's first move at once (`move`) and the newest of the rest now; the
      // service decodes once per frame.
      const id = this.pageModel();
      if (id && this.heldForFrame) this.sendToPage(id, latent);
      if (id) this.placeOnMaps(latent);
      else this.decodeByService(latent);
    } else if (shown !== s.decoded) {
      exploreStore.set({ decoded: shown });
    }
    if (positions && s.decoded) this.maps.placed("decode", positions.value);
  }
}
