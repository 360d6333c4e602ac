// Compare's second model: explored on the same input through its own socket.
import type { SocketStatus } from "../../api/sockets";
import type { ExploreView } from "./explore";
import { slice } from "./slice";

export interface CompareState {
  id: string | null;
  result: ExploreView | null;
  socket: SocketStatus;
  error: string | null;
}

export const compareStore = slice<CompareState>(() => ({ id: null, result: null, socket: "closed", error: null }));
export const useCompare = compareStore.use;

export const selectCompareId = (s: CompareState) => s.id;
export const selectCompareResult = (s: CompareState) => s.result;
export const selectCompareSocket = (s: CompareState) => s.socket;
export const selectCompareError = (s: CompareState) => s.error;
