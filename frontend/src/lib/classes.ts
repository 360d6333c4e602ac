// Finding a class by name among hundreds (QuickDraw has 345): the class pickers' filter.

export interface ClassEntry {
  index: number;
  name: string;
}

/** Pickers offer a search box above this many classes. */
export const SEARCH_FROM = 20;

/** How an option reads: "3: Dress", or just "7" when the name is the label itself. */
export function classLabel(k: ClassEntry): string {
  return k.name === String(k.index) ? k.name : `${k.index}: ${k.name}`;
}

/**
 * The classes whose name (or label number) contains every word of the query, case-insensitively: whole-name
 * matches first, then names starting with the query, then the rest, each group in label order.
 */
export function filterClasses<T extends ClassEntry>(classes: readonly T[], query: string): T[] {
  const q = query.trim().toLowerCase();
  if (!q) return [...classes];
  const words = q.split(/\s+/);
  const rank = (k: T) => {
    const name = k.name.toLowerCase();
    if (name === q || String(k.index) === q) return 0;
    return name.startsWith(q) ? 1 : 2;
  };
  return classes
    .filter((k) => words.every((w) => k.name.toLowerCase().includes(w) || String(k.index) === w))
    .map((k) => ({ k, r: rank(k) }))
    .sort((a, b) => a.r - b.r || a.k.index - b.k.index)
    .map(({ k }) => k);
}
