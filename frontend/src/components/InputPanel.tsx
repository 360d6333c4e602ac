// Input column: the drawing canvas, the small image the model sees, and test-set images by class.
import { useEffect, useState } from "react";
import { IMAGE_SIDE } from "../api/generated/spec";
import type { Sample } from "../api/types";
import { useSessions } from "../state/context";
import { className as nameOf, selectDatasets, useCatalog } from "../state/slices/catalog";
import { selectCanvasVersion, selectInput, selectInputSource, useExplore } from "../state/slices/explore";
import { useDataset } from "../state/slices/model";
import { bytesToUnit } from "../lib/viz/preprocess";
import { ClassPicker } from "./ClassPicker";
import { Denoise } from "./Denoise";
import { DrawCanvas } from "./DrawCanvas";
import { Heatmap } from "./Heatmap";
import { Panel } from "./Panel";

const NO_CLASSES: never[] = [];

/** `id` names the panel (Explore's and Compare's each have one). */
export function InputPanel({ id = "input" }: { id?: string }) {
  const { explore } = useSessions();
  const input = useExplore(selectInput);
  const version = useExplore(selectCanvasVersion);
  const source = useExplore(selectInputSource);
  const dataset = useDataset();
  // Select the stored array itself: a selector must not build a new one on every call.
  const datasets = useCatalog(selectDatasets);
  const info = datasets.find((d) => d.name === dataset);
  const classes = info?.classes ?? NO_CLASSES;
  const credit = info?.credit;
  const title = info?.title ?? dataset;
  const [label, setLabel] = useState<number | "">("");
  const [thumbs, setThumbs] = useState<Sample[]>([]);

  useEffect(() => {
    setThumbs([]);
    setLabel("");
  }, [dataset]);

  const pickClass = async (l: number | "") => {
    setLabel(l);
    if (l === "") return;
    setThumbs(await explore.pickClass(dataset, l));
  };

  const className = (l: number) => nameOf(datasets, dataset, l);

  return (
    <Panel
      id={id}
      title="Input"
      className="col-input"
      explain="Draw here, or pick a test image."
    >
      <div className="draw-wrap">
        <DrawCanvas image={input} version={version} displaySize={224} onDraw={(img) => explore.draw(img)} />
      </div>
      <div className="input-row">
        <button type="button" onClick={() => explore.clearInput()}>
          Clear
        </button>
        <figure className="preview">
          {input ? (
            <Heatmap values={input} width={IMAGE_SIDE} height={IMAGE_SIDE} lo={0} hi={1} cmap="ink" zoom={2} label={`The ${IMAGE_SIDE}×${IMAGE_SIDE} input the model sees`} testId="input-preview" />
          ) : (
            <div className="preview-empty" style={{ width: 56, height: 56 }} />
          )}
          <figcaption title="fitted into 20×20 and centred by mass, as MNIST was made">what the model sees</figcaption>
        </figure>
        <span className="source" data-testid="input-source" data-label={source.kind === "sample" ? source.label : undefined}>
          {source.kind === "sample" ? `test #${source.index}, “${className(source.label)}”` : source.kind === "drawing" ? "your drawing" : "empty"}
        </span>
      </div>
      <div className="field inline class-field">
        <span>Test image of class</span>
        <ClassPicker classes={classes} value={label} onChange={(l) => void pickClass(l)} testId="class-select" empty="choose…" label="Test image of class" />
      </div>
      {credit && (
        <small className="credit" data-testid="dataset-credit">
          {title}: {credit}
        </small>
      )}
      {thumbs.length > 0 && (
        <ul className="thumbs" aria-label="Test images of the chosen class">
          {thumbs.map((t) => (
            <li key={t.index}>
              <button
                type="button"
                className={source.kind === "sample" && source.index === t.index ? "thumb active" : "thumb"}
                aria-label={`test image ${t.index}, ${className(t.label)}`}
                aria-pressed={source.kind === "sample" && source.index === t.index}
                onClick={() => explore.pickSample(dataset, t)}
              >
                <Heatmap values={bytesToUnit(t.image)} width={IMAGE_SIDE} height={IMAGE_SIDE} lo={0} hi={1} cmap="ink" zoom={1} />
              </button>
            </li>
          ))}
        </ul>
      )}
      <Denoise />
    </Panel>
  );
}
