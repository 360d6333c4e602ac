import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { LabController } from "./state/controller";
import { ControllerContext } from "./state/context";
import "./styles.css";

// One controller for the page's lifetime: it owns the sockets and writes into the store.
const controller = new LabController();
void controller.boot();

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <ControllerContext.Provider value={controller}>
      <App />
    </ControllerContext.Provider>
  </StrictMode>,
);
