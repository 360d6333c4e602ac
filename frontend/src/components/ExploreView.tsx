// Explore: the data flows left to right, input -> encoder -> bottleneck -> decoder -> output.
import { memo, useMemo, useRef } from "react";
import { useSessions } from "../state/context";
import { selectDecodedLayers, selectExploreError, selectExploreSocket, selectHidden, selectResult, useExplore } from "../state/slices/explore";
import { selectNorm, usePage } from "../state/slices/page";
import { displayRanges, keepSameRanges, type NormMode, type Range } from "../lib/viz/normalize";
import { ActivationRows } from "./ActivationColumn";
import { Bottleneck } from "./Bottleneck";
import { InputPanel } from "./InputPanel";
import { LatentMapPanel } from "./LatentMapPanel";
import { Walks } from "./Walks";
import { Legend } from "./Legend";
import { OutputPanel } from "./OutputPanel";
import { Panel } from "./Panel";
import { TimelinePanel } from "./TimelinePanel";

const modes: { value: NormMode; label: string }[] = [
  { value: "channel", label: "channel" },
  { value: "layer", label: "layer" },
  { value: "global", label: "global" },
];

function NormToggle() {
  const lab = useSessions();
  const norm = usePage(selectNorm);
  return (
    <fieldset className="norm" data-testid="norm-toggle">
      <legend>Heatmap colours scaled per</legend>
      {modes.map((m) => (
        <label key={m.value}>
          <input type="radio" name="norm" value={m.value} checked={norm === m.value} onChange={() => lab.setNorm(m.value)} />
          {m.label}
        </label>
      ))}
    </fieldset>
  );
}

/** Folds a heatmap panel away: the service then sends none of its layers (lighter answers, faster sliders). */
function FoldButton(props: { part: "encoder" | "decoder" }) {
  const { explore } = useSessions();
  const hidden = useExplore(selectHidden)[props.part];
  return (
    <button type="button" className="link" aria-pressed={hidden} data-testid={`fold-${props.part}`} onClick={() => explore.setHidden(props.part, !hidden)}>
      {hidden ? "Show" : "Hide"}
    </button>
  );
}

// The panels read their own slices of the store: memoised, a heatmap answer (every frame of a slider
// drag) re-renders none of them but the ones whose slices changed.
const Input = memo(InputPanel);
const Code = memo(Bottleneck);
const Output = memo(OutputPanel);
const LatentMap = memo(LatentMapPanel);
const WalkPanels = memo(Walks);
const Timeline = memo(TimelinePanel);

const Folded = () => <p className="empty">Hidden: its heatmaps are not sent.</p>;

export function ExploreView() {
  const hidden = useExplore(selectHidden);
  const result = useExplore(selectResult);
  // While sliders are moved, the decoder rows show what the sliders' latent decodes to.
  const decodedLayers = useExplore(selectDecodedLayers);
  const norm = usePage(selectNorm);
  const socket = useExplore(selectExploreSocket);
  const error = useExplore(selectExploreError);

  const enc = useMemo(() => (result?.layers ?? []).filter((l) => l.part === "encoder"), [result]);
  const dec = useMemo(() => decodedLayers ?? (result?.layers ?? []).filter((l) => l.part === "decoder"), [result, decodedLayers]);
  // The previous ranges are kept where they did not change, so that a slider's answer repaints the
  // decoder's heatmaps and not the encoder's.
  const shown = useRef<Range[][] | null>(null);
  const { encRanges, decRanges, lo, hi } = useMemo(() => {
    const ranges = keepSameRanges(
      shown.current,
      displayRanges(
        [...enc, ...dec].map((l) => l.tensor),
        norm,
      ),
    );
    shown.current = ranges;
    const flat = ranges.flat();
    return {
      encRanges: ranges.slice(0, enc.length),
      decRanges: ranges.slice(enc.length),
      lo: flat.length ? Math.min(...flat.map((r) => r[0])) : 0,
      hi: flat.length ? Math.max(...flat.map((r) => r[1])) : 1,
    };
  }, [enc, dec, norm]);

  return (
    <div className="explore">
      <div className="explore-bar">
        <p className="hint" role="status">
          Draw a digit, or move a slider.
          {socket !== "open" && <span className="warn"> Connecting to the model…</span>}
          {error && <span className="warn"> {error}</span>}
        </p>
        <NormToggle />
        <span className="muted">
          <Legend cmap="viridis" lo={norm === "global" ? lo : 0} hi={norm === "global" ? hi : 1} label="activation colours" />
          {norm !== "global" && ` (low … high of each ${norm})`}
        </span>
      </div>
      <div className="flow">
        <Input />
        <Panel
          id="encoder"
          title="Encoder"
          className="col-layers"
          explain="What each filter responds to; bright = strong."
          actions={<FoldButton part="encoder" />}
        >
          {hidden.encoder ? <Folded /> : enc.length ? <ActivationRows layers={enc} ranges={encRanges} testId="encoder-layers" /> : <p className="empty">Waiting for the model…</p>}
        </Panel>
        <Code />
        <Panel
          id="decoder"
          title="Decoder"
          className="col-layers"
          explain={decodedLayers ? "Follows the sliders: their code unfolded back into an image." : "The code unfolded back into an image; it follows the sliders."}
          actions={<FoldButton part="decoder" />}
        >
          {hidden.decoder ? <Folded /> : dec.length ? <ActivationRows layers={dec} ranges={decRanges} testId="decoder-layers" /> : <p className="empty">Waiting for the model…</p>}
        </Panel>
        <Output />
      </div>
      <div className="below">
        <LatentMap />
        <WalkPanels />
      </div>
      <Timeline />
    </div>
  );
}
