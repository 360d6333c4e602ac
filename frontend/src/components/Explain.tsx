// The one line under a panel's title that says what the user is looking at.
export function Explain({ children }: { children: React.ReactNode }) {
  return <p className="explain">{children}</p>;
}
