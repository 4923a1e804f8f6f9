import { useEffect, useRef, useState } from "preact/hooks";
import { HubContext, type Hub } from "./context.ts";
import { AgentView, AppView, ConversationView, TaskView } from "./details.tsx";
import { FeedStore } from "./feed.ts";
import { AgentsView, AppsView, FeedView, SocketsView, TasksView } from "./lists.tsx";
import { Overview } from "./overview.tsx";
import { HubSocket, RpcError } from "./rpc.ts";

const TABS = [
  ["overview", "Overview"],
  ["feed", "Feed"],
  ["agents", "Agents"],
  ["tasks", "Tasks"],
  ["apps", "Apps"],
  ["sockets", "Sockets"],
] as const;

const useRoute = (): string[] => {
  const read = () => location.hash.replace(/^#\/?/, "").split("/").filter(Boolean);
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const on = () => setRoute(read());
    addEventListener("hashchange", on);
    return () => removeEventListener("hashchange", on);
  }, []);
  return route;
};

const Page = ({ route }: { route: string[] }) => {
  const [view, id] = route;
  switch (view) {
    case "feed":
      return <FeedView />;
    case "agents":
      return <AgentsView />;
    case "tasks":
      return <TasksView />;
    case "apps":
      return <AppsView />;
    case "sockets":
      return <SocketsView />;
    case "agent":
      return <AgentView id={id!} key={id} />;
    case "task":
      return <TaskView id={id!} key={id} />;
    case "conversation":
      return <ConversationView id={id!} key={id} />;
    case "app":
      return <AppView id={id!} key={id} />;
    default:
      return <Overview />;
  }
};

/**
 * Sign-in: the admin token is typed into a password field, used for one
 * auth/connect, and kept only in this tab's memory (the socket object). The
 * field is emptied and nothing is written to the URL, cookies or storage.
 */
const SignIn = ({ onSignedIn, notice }: { onSignedIn: (hub: Hub) => void; notice: string | undefined }) => {
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const field = useRef<HTMLInputElement>(null);
  useEffect(() => field.current?.focus(), []);
  const submit = async (e: Event) => {
    e.preventDefault();
    const input = field.current!;
    const token = input.value.trim();
    input.value = "";
    if (!token)
      return setError("Paste the admin token the hub printed at its first start (or SWITCHBOARD_ADMIN_TOKEN).");
    setBusy(true);
    setError(undefined);
    try {
      const socket = await HubSocket.open(token);
      const feed = new FeedStore(socket);
      await socket.call("admin/feed/subscribe", {});
      onSignedIn({ socket, feed });
    } catch (err) {
      setError(
        err instanceof RpcError && err.tag === "Unauthorized"
          ? "The hub refused this token: check that it is the admin token (sb_admin.admin.…) and was not rotated."
          : err instanceof Error
            ? err.message
            : String(err),
      );
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="signin">
      <h1>Switchboard inspector</h1>
      <form onSubmit={(e) => void submit(e)} autocomplete="off">
        <label for="token">Admin token</label>
        <input
          id="token"
          ref={field}
          type="password"
          name="token"
          autocomplete="off"
          spellcheck={false}
          placeholder="sb_admin.admin.…"
        />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
        {notice ? <p class="muted">{notice}</p> : null}
        {error ? (
          <p class="error" role="alert">
            {error}
          </p>
        ) : null}
        <p class="muted small">The token stays in this tab's memory only; closing or reloading the tab forgets it.</p>
      </form>
    </main>
  );
};

export const App = () => {
  const [hub, setHub] = useState<Hub | undefined>();
  const [notice, setNotice] = useState<string | undefined>();
  const route = useRoute();
  useEffect(() => {
    if (!hub) return;
    return hub.socket.onClose((code, reason) => {
      setHub(undefined);
      setNotice(`The hub closed the connection (${code}${reason ? `: ${reason}` : ""}). Sign in again.`);
    });
  }, [hub]);
  if (!hub) return <SignIn onSignedIn={setHub} notice={notice} />;
  const current = route[0] ?? "overview";
  return (
    <HubContext.Provider value={hub}>
      <header class="top">
        <h1>
          <a href="#/overview">Switchboard inspector</a>
        </h1>
        <nav aria-label="Views">
          {TABS.map(([key, label]) => (
            <a key={key} href={`#/${key}`} aria-current={current === key ? "page" : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <button
          type="button"
          onClick={() => {
            hub.socket.close();
            setNotice("Signed out.");
            setHub(undefined);
          }}
        >
          Sign out
        </button>
      </header>
      <main class="content">
        <Page route={route} />
      </main>
    </HubContext.Provider>
  );
};
