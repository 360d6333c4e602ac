import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { LabController } from "./state/controller";
import { ControllerContext } from "./state/context";
import "./styles.css";

const root = document.getElementById("root")!;

if (new URLSearchParams(location.search).get("bench") === "chart") {
  // The browser benchmark's synthetic stream (a separate chunk, loaded only here).
  void import("./bench/ChartBench").then((m) => m.mountChartBench(root));
} else {
  // One controller for the page's lifetime: it owns the sockets and writes into the store.
  const controller = new LabController();
  void controller.boot();
  createRoot(root).render(
    <StrictMode>
      <ControllerContext.Provider value={controller}>
        <App />
      </ControllerContext.Provider>
    </StrictMode>,
  );
}
