// One request whose inputs change often (a slider, a step count): debounced, the newest wins, an
// older answer is aborted and never shown. The last answer stays up while the next one loads.
import { useEffect, useRef, useState } from "react";

export interface Latest<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
}

/** Runs `run` `delayMs` after the last change of `deps` (none while `enabled` is false). */
export function useLatest<T>(run: (signal: AbortSignal) => Promise<T>, deps: unknown[], enabled = true, delayMs = 120): Latest<T> {
  const [state, setState] = useState<Latest<T>>({ data: null, error: null, loading: false });
  const runRef = useRef(run);
  runRef.current = run;
  useEffect(() => {
    if (!enabled) return;
    // Made when the request starts: a slider drag changes `deps` at every frame, and each change would
    // otherwise make and abort a controller that never had a request.
    let abort: AbortController | null = null;
    setState((s) => (s.loading ? s : { ...s, loading: true }));
    const timer = setTimeout(() => {
      const { signal } = (abort = new AbortController());
      runRef
        .current(signal)
        .then((data) => !signal.aborted && setState({ data, error: null, loading: false }))
        .catch((e: unknown) => {
          if (signal.aborted) return;
          setState((s) => ({ ...s, error: e instanceof Error ? e.message : String(e), loading: false }));
        });
    }, delayMs);
    return () => {
      clearTimeout(timer);
      abort?.abort();
    };
    // `deps` are the request's inputs; `run` is read through a ref so a new closure is no change.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [enabled, delayMs, ...deps]);
  return state;
}
