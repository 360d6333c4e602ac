// The page: a header with the model picker and the two views, Explore and Build & Train.
import { useEffect } from "react";
import { useLab, type Tab } from "./state/store";
import { isActive } from "./state/job";
import { BuilderPanel } from "./components/BuilderPanel";
import { CompareView } from "./components/CompareView";
import { ExploreView } from "./components/ExploreView";
import { ModelPicker } from "./components/ModelPicker";
import { TrainPanel } from "./components/TrainPanel";

const tabs: { id: Tab; label: string }[] = [
  { id: "explore", label: "Explore" },
  { id: "compare", label: "Compare" },
  { id: "build", label: "Build & Train" },
];

function Tabs() {
  const tab = useLab((s) => s.tab);
  const set = useLab((s) => s.set);
  const training = useLab((s) => isActive(s.jobView.job?.state));
  const pct = useLab((s) => Math.round((s.jobView.job?.progress.fraction ?? 0) * 100));
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
          onClick={() => set({ tab: t.id })}
          onKeyDown={(e) => {
            if (e.key === "ArrowRight" || e.key === "ArrowLeft") {
              const next = tabs[(i + (e.key === "ArrowRight" ? 1 : tabs.length - 1)) % tabs.length]!;
              set({ tab: next.id });
              document.getElementById(`tab-${next.id}`)?.focus();
            }
          }}
        >
          {t.label}
          {t.id === "build" && training && <span className="badge"> training {pct}%</span>}
        </button>
      ))}
    </nav>
  );
}

function Notice() {
  const notice = useLab((s) => s.notice);
  const set = useLab((s) => s.set);
  // Information fades after a while; errors stay until dismissed.
  useEffect(() => {
    if (notice?.kind !== "info") return;
    const t = setTimeout(() => set({ notice: null }), 6000);
    return () => clearTimeout(t);
  }, [notice, set]);
  if (!notice) return null;
  return (
    <div className={`notice ${notice.kind}`} role={notice.kind === "error" ? "alert" : "status"}>
      {notice.text}
      <button type="button" aria-label="dismiss" onClick={() => set({ notice: null })}>
        ×
      </button>
    </div>
  );
}

export function App() {
  const tab = useLab((s) => s.tab);
  return (
    <div className="app">
      <header className="top">
        <h1>
          AeVP <span className="muted">autoencoder lab</span>
        </h1>
        <Tabs />
        <ModelPicker />
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
      </main>
    </div>
  );
}
