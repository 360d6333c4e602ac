// The page: a header with the model picker and the views: Explore, Compare, Build & Train and Sweeps.
import { useEffect } from "react";
import { useSessions } from "./state/context";
import { selectNotice, selectTab, usePage, type Tab } from "./state/slices/page";
import { selectJobPercent, selectTraining, useJob } from "./state/slices/job";
import { selectSweepRunning, useSweep } from "./state/slices/sweep";
import { BuilderPanel } from "./components/BuilderPanel";
import { CompareView } from "./components/CompareView";
import { CopyLink } from "./components/CopyLink";
import { ExploreView } from "./components/ExploreView";
import { ModelPicker } from "./components/ModelPicker";
import { SweepView } from "./components/SweepView";
import { TrainPanel } from "./components/TrainPanel";

const tabs: { id: Tab; label: string }[] = [
  { id: "explore", label: "Explore" },
  { id: "compare", label: "Compare" },
  { id: "build", label: "Build & Train" },
  { id: "sweeps", label: "Sweeps" },
];

function Tabs() {
  const lab = useSessions();
  const tab = usePage(selectTab);
  const training = useJob(selectTraining);
  const pct = useJob(selectJobPercent);
  const sweeping = useSweep(selectSweepRunning);
  return (
    <nav className="tabs" role="tablist" aria-label="Views">
      {tabs.map((t, i) => (
        <button
          key={t.id}
          id={`tab-${t.id}`}
          role="tab"
          type="button"
          aria-selected={tab === t.id}
          aria-controls={`view-${t.id}`}
          tabIndex={tab === t.id ? 0 : -1}
          className={tab === t.id ? "tab active" : "tab"}
          onClick={() => lab.setTab(t.id)}
          onKeyDown={(e) => {
            if (e.key === "ArrowRight" || e.key === "ArrowLeft") {
              const next = tabs[(i + (e.key === "ArrowRight" ? 1 : tabs.length - 1)) % tabs.length]!;
              lab.setTab(next.id);
              document.getElementById(`tab-${next.id}`)?.focus();
            }
          }}
        >
          {t.label}
          {t.id === "build" && training && <span className="badge"> training {pct}%</span>}
          {t.id === "sweeps" && sweeping && <span className="badge"> running</span>}
        </button>
      ))}
    </nav>
  );
}

function Notice() {
  const lab = useSessions();
  const notice = usePage(selectNotice);
  // Information fades after a while; errors stay until dismissed.
  useEffect(() => {
    if (notice?.kind !== "info") return;
    const t = setTimeout(() => lab.dismissNotice(), 6000);
    return () => clearTimeout(t);
  }, [notice, lab]);
  if (!notice) return null;
  return (
    <div className={`notice ${notice.kind}`} role={notice.kind === "error" ? "alert" : "status"} data-testid="notice">
      {notice.text}
      <button type="button" aria-label="dismiss" onClick={() => lab.dismissNotice()}>
        ×
      </button>
    </div>
  );
}

export function App() {
  const tab = usePage(selectTab);
  return (
    <div className="app">
      <header className="top">
        <h1>
          AeVP <span className="muted">autoencoder lab</span>
        </h1>
        <Tabs />
        <ModelPicker />
        <CopyLink />
      </header>
      <Notice />
      <main>
        <div id="view-explore" role="tabpanel" aria-labelledby="tab-explore" hidden={tab !== "explore"}>
          <ExploreView />
        </div>
        <div id="view-compare" role="tabpanel" aria-labelledby="tab-compare" hidden={tab !== "compare"}>
          {/* Mounted only while shown: its second model's socket and drawing canvas are not needed elsewhere. */}
          {tab === "compare" && <CompareView />}
        </div>
        <div id="view-build" role="tabpanel" aria-labelledby="tab-build" hidden={tab !== "build"} className="build">
          <BuilderPanel />
          <TrainPanel />
        </div>
        <div id="view-sweeps" role="tabpanel" aria-labelledby="tab-sweeps" hidden={tab !== "sweeps"}>
          {/* Mounted only while shown: opening it lists the sweeps; the session keeps following the open one. */}
          {tab === "sweeps" && <SweepView />}
        </div>
      </main>
    </div>
  );
}
