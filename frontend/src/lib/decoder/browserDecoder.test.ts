// The page's side of the slider decoder against a fake worker: at most two codes in the worker, the newest
// of the rest waiting; a failure hands the model back to the service.
import { describe, expect, it } from "vitest";
import { BrowserDecoder, type FromWorker, type LocalDecoded, type ToWorker } from "./browserDecoder";

function setUp() {
  const posted: ToWorker[] = [];
  const worker = {
    onmessage: null as ((e: MessageEvent<FromWorker>) => void) | null,
    onerror: null as ((e: ErrorEvent) => void) | null,
    postMessage: (m: ToWorker) => void posted.push(m),
    terminate: () => undefined,
  };
  const decoded: LocalDecoded[] = [];
  const decoder = new BrowserDecoder(worker as never, (d) => decoded.push(d));
  const reply = (m: FromWorker) => worker.onmessage!({ data: m } as MessageEvent<FromWorker>);
  const codes = () => posted.filter((m) => m.type === "decode").map((m) => (m as { latent: number[] }).latent[0]);
  return { decoder, posted, decoded, reply, codes, worker };
}

describe("BrowserDecoder", () => {
  it("is ready once the worker has the model's weights", () => {
    const { decoder, reply, posted } = setUp();
    decoder.load("m", new ArrayBuffer(8));
    expect(posted[0]?.type).toBe("load");
    expect(decoder.readyFor("m")).toBe(false);
    reply({ type: "loaded", modelId: "m" });
    expect(decoder.readyFor("m")).toBe(true);
    expect(decoder.readyFor("other")).toBe(false);
  });

  it("keeps at most two codes in the worker; of the others only the newest waits", () => {
    const { decoder, reply, decoded, codes } = setUp();
    decoder.load("m", new ArrayBuffer(8));
    reply({ type: "loaded", modelId: "m" });
    for (const v of [1, 2, 3, 4]) decoder.decode("m", [v]);
    expect(codes()).toEqual([1, 2]);
    reply({ type: "decoded", modelId: "m", seq: 1, latent: [1], layers: [] });
    expect(codes()).toEqual([1, 2, 4]);
    expect(decoded.map((d) => d.latent[0])).toEqual([1]);
    expect(decoded[0]!.ms).toBeGreaterThanOrEqual(0);
    reply({ type: "decoded", modelId: "m", seq: 2, latent: [2], layers: [] });
    decoder.decode("m", [5]);
    expect(codes()).toEqual([1, 2, 4, 5]);
  });

  it("a decoding that fails hands the model back to the service, and frees its place", () => {
    const { decoder, reply, codes } = setUp();
    decoder.load("m", new ArrayBuffer(8));
    reply({ type: "loaded", modelId: "m" });
    decoder.decode("m", [1]);
    decoder.decode("m", [2]);
    decoder.decode("m", [3]);
    reply({ type: "failed", modelId: "m", seq: 1, message: "bad" });
    expect(decoder.readyFor("m")).toBe(false);
    expect(codes()).toEqual([1, 2, 3]);
  });

  it("a load that fails leaves the model to the service", () => {
    const { decoder, reply } = setUp();
    decoder.load("m", new ArrayBuffer(8));
    reply({ type: "failed", modelId: "m", message: "not an AeVP decoder file" });
    expect(decoder.readyFor("m")).toBe(false);
  });
});
