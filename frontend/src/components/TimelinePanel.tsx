// "How it learned": the explored model's training replayed. A scrubber (and play/pause) picks a frame;
// the probe images' reconstructions, every layer's heatmaps for the first probe and the latent map show
// that moment, and a marker on the loss curve says where it lies in the run.
import { useMemo } from "react";
import { IMAGE_SIDE } from "../api/generated/spec";
import { useSessions } from "../state/context";
import { selectDetail, useModel } from "../state/slices/model";
import { selectNorm, usePage } from "../state/slices/page";
import {
  selectTimelineFrame,
  selectTimelineFrames,
  selectTimelineIndex,
  selectTimelinePlaying,
  selectTimelineReason,
  selectTimelineStatus,
  useTimeline,
} from "../state/slices/timeline";
import { displayRanges } from "../lib/viz/normalize";
import { num } from "../lib/format";
import { ActivationRows } from "./ActivationColumn";
import { ImageRow } from "./ImageRow";
import { Panel } from "./Panel";
import { TimelineLoss } from "./TimelineLoss";
import { TimelineMap } from "./TimelineMap";

const EXPLAIN =
  "Frames recorded while this model trained, from its random first weights to the end (denser early, when it changes fastest): what it made of the same test images, what every layer saw of the first one, and where 1,000 test images lay on its latent map.";

export function TimelinePanel() {
  const status = useTimeline(selectTimelineStatus);
  const reason = useTimeline(selectTimelineReason);
  return (
    <Panel id="timeline" title="How it learned" className="timeline" explain={EXPLAIN}>
      {status === "ready" ? (
        <TimelineBody />
      ) : (
        <p className="empty" data-testid="timeline-status" data-status={status}>
          {status === "loading" ? "Loading the timeline…" : status === "idle" ? "No model yet." : reason}
        </p>
      )}
      {status === "ready" && reason && <p className="error-text">{reason}</p>}
    </Panel>
  );
}

function TimelineBody() {
  const { timeline } = useSessions();
  const frames = useTimeline(selectTimelineFrames);
  const index = useTimeline(selectTimelineIndex);
  const frame = useTimeline(selectTimelineFrame);
  const playing = useTimeline(selectTimelinePlaying);
  const detail = useModel(selectDetail);
  const norm = usePage(selectNorm);
  const info = frames[index];
  const ranges = useMemo(() => (frame ? displayRanges(frame.layers.map((l) => l.tensor), norm) : []), [frame, norm]);
  const losses = detail?.history.losses ?? [];

  return (
    <div className="timeline-body">
      <div className="timeline-controls">
        <button
          type="button"
          className="play"
          data-testid="timeline-play"
          aria-label={playing ? "Pause" : "Play"}
          onClick={() => (playing ? timeline.pause() : timeline.play())}
        >
          {playing ? "❚❚ Pause" : "▶ Play"}
        </button>
        <input
          type="range"
          min={0}
          max={frames.length - 1}
          step={1}
          value={index}
          data-testid="timeline-scrubber"
          aria-label="Timeline frame"
          aria-valuetext={info ? `step ${info.step}` : undefined}
          onChange={(e) => {
            timeline.pause();
            timeline.show(Number(e.target.value));
          }}
        />
        <span className="timeline-where" data-testid="timeline-where" data-index={index} data-step={info?.step} data-shown={frame?.index}>
          frame {index + 1}/{frames.length} · step {info?.step ?? "…"} · epoch {info?.epoch ?? "…"} · loss {info?.loss == null ? "–" : num(info.loss)}
        </span>
      </div>
      {losses.length > 0 && info && <TimelineLoss losses={losses} step={info.step} />}
      {frame && (
        <div className="timeline-frame" data-testid="timeline-frame" data-index={frame.index}>
          <div className="timeline-images">
            <h3>Test images</h3>
            <div className="timeline-row" data-testid="timeline-inputs">
              <ImageRow images={frame.inputs} width={IMAGE_SIDE} height={IMAGE_SIDE} zoom={2} label={(i) => `probe ${i + 1}`} />
            </div>
            <h3>Their reconstructions at step {frame.step}</h3>
            <div className="timeline-row" data-testid="timeline-reconstructions">
              <ImageRow
                images={frame.reconstructions}
                width={IMAGE_SIDE}
                height={IMAGE_SIDE}
                zoom={2}
                label={(i) => `reconstruction of probe ${i + 1} at step ${frame.step}`}
                testId={(i) => `timeline-recon-${i}`}
              />
            </div>
            <h3>Latent map</h3>
            <TimelineMap points={frame.points} labels={frame.labels} step={frame.step} />
          </div>
          <div className="timeline-layers">
            <h3>Every layer, for the first test image</h3>
            <ActivationRows layers={frame.layers} ranges={ranges} testId="timeline-layers" cellPx={28} />
          </div>
        </div>
      )}
    </div>
  );
}
