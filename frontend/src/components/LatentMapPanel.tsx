// The latent map: every test image's code on a 2-D map, coloured by class, with the current input
// (drawing or sliders) as a ring. Tabs pick the map: PCA, t-SNE and UMAP (computed on the server the
// first time, with a progress bar) and the latent plane of a 2-D model (with a decoded grid under it).
// The maps session fetches; this panel shows where that stands and reports the user's choices.
import type { MapMethod } from "../api/types";
import { useSessions } from "../state/context";
import { selectMapMethod, selectPlaneGrid, selectShownLoad, selectShownMap, useMaps, type MapLoad } from "../state/slices/maps";
import { useLatentDim } from "../state/slices/model";
import { mapTab, mapTabs, progressText } from "../lib/viz/mapview";
import { LatentMapPlot } from "./LatentMapPlot";
import { Panel } from "./Panel";

export function LatentMapPanel() {
  const { explore } = useSessions();
  const method = useMaps(selectMapMethod);
  const load = useMaps(selectShownLoad);
  const map = useMaps(selectShownMap);
  const planeGrid = useMaps(selectPlaneGrid);
  const tab = mapTab(method);
  const tabs = mapTabs(useLatentDim());

  return (
    <Panel
      id="latent-map"
      title={`Latent map (${tab.label})`}
      className="latent-map"
      explain="Every test image's code, flattened to 2-D; your drawing is the ringed point. Hover a point for its class and image, click it to explore that image."
    >
      <div className="tabs map-tabs" role="tablist" aria-label="Map">
        {tabs.map((t) => (
          <button
            key={t.method}
            role="tab"
            aria-selected={t.method === method}
            className={t.method === method ? "tab active" : "tab"}
            data-testid={`latent-map-tab-${t.method}`}
            onClick={() => explore.maps.select(t.method)}
          >
            {t.label}
          </button>
        ))}
      </div>
      <p className="map-what" data-testid="latent-map-what">
        {tab.explain}
      </p>
      {method === "latent" && (
        <label className="field inline plane-grid-toggle">
          <input type="checkbox" checked={planeGrid.show} onChange={(e) => explore.maps.showPlaneGrid(e.target.checked)} data-testid="latent-plane-grid-toggle" />
          <span>
            Decoded grid: under the points, the image the decoder makes at each place of the plane
            {planeGrid.loading && planeGrid.show ? " (decoding…)" : ""}
          </span>
        </label>
      )}
      {planeGrid.error && method === "latent" && <p className="error-text">Could not decode the grid: {planeGrid.error}</p>}
      {!map ? <Waiting method={method} load={load} /> : <LatentMapPlot map={map} method={method} />}
    </Panel>
  );
}

/** Before the map is there: asked, being computed (with the server's progress), or failed. */
function Waiting({ method, load }: { method: MapMethod; load: MapLoad | null }) {
  const label = mapTab(method).label;
  if (method === "pca") {
    if (load?.status === "error") return <MapError text={`Could not compute the latent map: ${load.error}`} />;
    return (
      <p className="empty" data-testid="latent-map-loading">
        {load?.status === "loading" ? "Computing the latent map of the test set…" : "The map appears after the first explore."}
      </p>
    );
  }
  if (load?.status === "error") return <MapError text={`Could not compute the ${label} map: ${load.error}`} />;
  if (load?.status === "computing" && load.progress) {
    const { stage, fraction } = load.progress;
    return (
      <div className="progress-block map-progress" data-testid="latent-map-progress" data-fraction={fraction.toFixed(3)} data-stage={stage}>
        <progress max={1} value={fraction} aria-label={`${label} progress`} />
        <span className="progress-text">{progressText(method, stage, fraction)}</span>
        <p className="empty">The server computes this map once for the 10,000 test images (tens of seconds) and keeps it.</p>
      </div>
    );
  }
  return (
    <p className="empty" data-testid="latent-map-loading">
      Asking the server for the {label} map…
    </p>
  );
}

function MapError(p: { text: string }) {
  return (
    <p className="warn" role="alert" data-testid="latent-map-error">
      {p.text}
    </p>
  );
}
