import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import type { FeedEntry } from "../../protocol/index.ts";

/** Where an id leads in the page, by its prefix. */
export const hrefOf = (id: string): string | undefined => {
  if (id.startsWith("agt_")) return `#/agent/${id}`;
  if (id.startsWith("tsk_")) return `#/task/${id}`;
  if (id.startsWith("cnv_")) return `#/conversation/${id}`;
  if (id.startsWith("app_")) return `#/app/${id}`;
  return undefined;
};

export const Id = ({ id, label }: { id: string | undefined; label?: string | undefined }) => {
  if (!id) return <span class="muted">–</span>;
  const href = hrefOf(id);
  return href ? (
    <a class="id" href={href} title={id}>
      {label ?? id}
    </a>
  ) : (
    <span class="id">{label ?? id}</span>
  );
};

export const time = (iso: string): string => {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleTimeString(undefined, { hour12: false });
};

export const when = (iso: string | undefined): string => {
  if (!iso) return "–";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(undefined, { hour12: false });
};

export const bytes = (n: number): string =>
  n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 / 1024).toFixed(1)} MiB`;

export const Section = ({
  title,
  children,
  actions,
}: {
  title: string;
  children: ComponentChildren;
  actions?: ComponentChildren;
}) => (
  <section class="panel">
    <header class="panel-head">
      <h2>{title}</h2>
      {actions ? <div class="panel-actions">{actions}</div> : null}
    </header>
    {children}
  </section>
);

export const Failed = ({ message }: { message: string }) => (
  <p class="error" role="alert">
    {message}
  </p>
);

/**
 * A button whose action asks first, in a modal dialog (keyboard: Tab between
 * the buttons, Enter confirms, Escape cancels). `onDone` gets the result.
 */
export const ConfirmButton = <T,>({
  label,
  question,
  run,
  onDone,
  danger = false,
}: {
  label: string;
  question: string;
  run: () => Promise<T>;
  onDone?: (result: T) => void;
  danger?: boolean;
}) => {
  const dialog = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const confirm = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const result = await run();
      dialog.current?.close();
      onDone?.(result);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button type="button" class={danger ? "danger" : ""} onClick={() => dialog.current?.showModal()}>
        {label}
      </button>
      <dialog ref={dialog} class="confirm" aria-label={label}>
        <form
          method="dialog"
          onSubmit={(e) => {
            e.preventDefault();
            void confirm();
          }}
        >
          <p>{question}</p>
          {error ? <Failed message={error} /> : null}
          <div class="dialog-buttons">
            <button type="button" onClick={() => dialog.current?.close()}>
              Cancel
            </button>
            <button type="submit" class={danger ? "danger" : "primary"} disabled={busy} autofocus>
              {label}
            </button>
          </div>
        </form>
      </dialog>
    </>
  );
};

/** A secret shown once, in a modal; closing it forgets it. */
export const SecretDialog = ({ title, secret, onClose }: { title: string; secret: string; onClose: () => void }) => {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  return (
    <dialog ref={dialog} class="confirm" aria-label={title} onClose={onClose}>
      <form method="dialog">
        <p>{title}</p>
        <p class="muted">Shown once: the hub keeps only its hash. The old token and its sockets have stopped.</p>
        <input
          class="secret"
          readOnly
          value={secret}
          aria-label="New token"
          onFocus={(e) => e.currentTarget.select()}
        />
        <div class="dialog-buttons">
          <button
            type="button"
            onClick={() => {
              void navigator.clipboard?.writeText(secret);
            }}
          >
            Copy
          </button>
          <button type="submit" class="primary" autofocus>
            Done
          </button>
        </div>
      </form>
    </dialog>
  );
};

const kindClass = (kind: string) => `kind kind-${kind.split(".")[0]}`;

export const FeedList = ({
  entries,
  limit = 200,
  empty,
}: {
  entries: ReadonlyArray<FeedEntry>;
  limit?: number;
  empty?: string;
}) => {
  const shown = entries.slice(-limit).reverse();
  if (shown.length === 0) return <p class="muted">{empty ?? "Nothing yet: events appear here as they happen."}</p>;
  return (
    <ol class="feed" aria-live="polite">
      {shown.map((e) => (
        <li key={e.seq} class="feed-entry" data-kind={e.kind}>
          <time class="feed-time" dateTime={e.at}>
            {time(e.at)}
          </time>
          <span class={kindClass(e.kind)}>{e.kind}</span>
          <span class="feed-summary">{e.summary}</span>
          <span class="feed-links">
            {e.agentId ? <Id id={e.agentId} label="agent" /> : null}
            {e.taskId ? <Id id={e.taskId} label="task" /> : null}
            {e.conversationId ? <Id id={e.conversationId} label="conversation" /> : null}
            {e.appId ? <Id id={e.appId} label="app" /> : null}
          </span>
        </li>
      ))}
    </ol>
  );
};

export const Json = ({ value }: { value: unknown }) => <pre class="json">{JSON.stringify(value, null, 2)}</pre>;
