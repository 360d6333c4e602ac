// "Copy link": the URL of the view as it is now (model, tab, input, sliders, map, Compare pair) to the
// clipboard. Where copying is refused, the link is shown selected, to copy by hand.
import { useEffect, useRef, useState } from "react";
import { useSessions } from "../state/context";
import { copyText } from "../lib/clipboard";

export function CopyLink() {
  const lab = useSessions();
  const [state, setState] = useState<"idle" | "copied" | "manual">("idle");
  const [href, setHref] = useState("");
  const field = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (state === "copied") {
      const t = setTimeout(() => setState("idle"), 2000);
      return () => clearTimeout(t);
    }
    if (state === "manual") field.current?.select();
  }, [state]);

  const copy = async () => {
    const url = lab.link.href();
    setHref(url);
    setState((await copyText(url)) ? "copied" : "manual");
  };

  return (
    <div className="copy-link">
      <button type="button" className="small" onClick={() => void copy()} data-testid="copy-link" data-href={href || undefined} title="Copy a link to this view: the model, input, sliders, map and tab">
        {state === "copied" ? "Link copied" : "Copy link"}
      </button>
      <span className="sr-only" role="status">
        {state === "copied" ? "Link copied to the clipboard" : ""}
      </span>
      {state === "manual" && (
        <input ref={field} className="copy-link-field" readOnly value={href} aria-label="Link to this view: copy it" onBlur={() => setState("idle")} data-testid="copy-link-field" />
      )}
    </div>
  );
}
