import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { Lab } from "./state/lab";
import { LabContext } from "./state/context";
// In this order: later files refine the base (each file keeps its rules' original order).
import "./styles/base.css";
import "./styles/explore.css";
import "./styles/walks.css";
import "./styles/compare.css";
import "./styles/build.css";
import "./styles/latentmap.css";
import "./styles/timeline.css";

const root = document.getElementById("root")!;

if (new URLSearchParams(location.search).get("bench") === "chart") {
  // The browser benchmark's synthetic stream (a separate chunk, loaded only here).
  void import("./bench/ChartBench").then((m) => m.mountChartBench(root));
} else {
  // One set of sessions for the page's lifetime: they own the sockets and write the store slices.
  const lab = new Lab();
  void lab.boot();
  createRoot(root).render(
    <StrictMode>
      <LabContext.Provider value={lab}>
        <App />
      </LabContext.Provider>
    </StrictMode>,
  );
}
