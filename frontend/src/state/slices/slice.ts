// One small zustand store per slice of the page's state. Components read a slice through its hook
// and named selectors (`useExplore(selectLatent)`); only sessions (src/state/sessions) write, through
// the slice's `*Store` handle, which components never import (src/components/imports.test.ts).
import { create } from "zustand";

export type Patch<S> = Partial<S> | ((s: S) => Partial<S>);

export interface Slice<S> {
  /** React hook: the selected part of the slice, re-rendering when it changes. */
  use: <T>(select: (s: S) => T) => T;
  get: () => S;
  set: (patch: Patch<S>) => void;
  /** Back to the initial values (tests, the benchmark page). */
  reset: () => void;
  /** Calls `listener` after every change (the link session follows the view); returns the unsubscribe. */
  subscribe: (listener: () => void) => () => void;
}

export function slice<S extends object>(initial: () => S): Slice<S> {
  const store = create<S>()(() => initial());
  return {
    use: (select) => store(select),
    get: store.getState,
    set: (patch) => store.setState(patch),
    reset: () => store.setState(initial(), true),
    subscribe: (listener) => store.subscribe(() => listener()),
  };
}
