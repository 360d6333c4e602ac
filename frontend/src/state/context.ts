import { createContext, useContext } from "react";
import type { Lab } from "./lab";

export const LabContext = createContext<Lab | null>(null);

/** The page's sessions: what a component calls when the user does something. */
export function useSessions(): Lab {
  const lab = useContext(LabContext);
  if (!lab) throw new Error("useSessions outside <LabContext.Provider>");
  return lab;
}
