import type { ReactNode } from "react";
import { Explain } from "./Explain";

export function Panel(props: { title: string; explain: ReactNode; className?: string; actions?: ReactNode; children: ReactNode; id?: string }) {
  return (
    <section className={`panel ${props.className ?? ""}`} aria-labelledby={props.id ? `${props.id}-title` : undefined} data-testid={props.id}>
      <header className="panel-head">
        <h2 id={props.id ? `${props.id}-title` : undefined}>{props.title}</h2>
        {props.actions}
      </header>
      <Explain>{props.explain}</Explain>
      {props.children}
    </section>
  );
}
