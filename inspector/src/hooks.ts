import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import type { FeedEntry } from "../../protocol/index.ts";
import { matches, type FeedFilter, type FeedStore } from "./feed.ts";

export type Loaded<T> =
  | { readonly state: "loading" }
  | { readonly state: "error"; readonly message: string }
  | { readonly state: "ok"; readonly value: T };

/** Load with `fn` when `deps` change; `reload` loads again and keeps showing the last value meanwhile. */
export const useLoad = <T>(fn: () => Promise<T>, deps: ReadonlyArray<unknown>) => {
  const [loaded, setLoaded] = useState<Loaded<T>>({ state: "loading" });
  const current = useRef(0);
  const reload = useCallback(() => {
    const run = ++current.current;
    fn().then(
      (value) => run === current.current && setLoaded({ state: "ok", value }),
      (err: unknown) =>
        run === current.current &&
        setLoaded({ state: "error", message: err instanceof Error ? err.message : String(err) }),
    );
  }, deps);
  useEffect(() => {
    setLoaded({ state: "loading" });
    reload();
  }, [reload]);
  return [loaded, reload] as const;
};

/** Run `fn` every `ms` while mounted. */
export const useInterval = (fn: () => void, ms: number) => {
  const saved = useRef(fn);
  saved.current = fn;
  useEffect(() => {
    const timer = setInterval(() => saved.current(), ms);
    return () => clearInterval(timer);
  }, [ms]);
};

/** The feed's entries matching `filter`, newest last, re-rendered as they come (unless paused). */
export const useFeed = (store: FeedStore, filter: FeedFilter, paused = false): FeedEntry[] => {
  const [, bump] = useState(0);
  const key = JSON.stringify(filter);
  useEffect(() => {
    if (paused) return;
    bump((n) => n + 1);
    return store.listen((e) => {
      if (matches(filter, e)) bump((n) => n + 1);
    });
  }, [store, key, paused]);
  const frozen = useRef<FeedEntry[]>([]);
  if (!paused) frozen.current = store.entries.filter((e) => matches(filter, e));
  return frozen.current;
};

/** Call `fn` for each new feed entry matching `filter`. */
export const useFeedListener = (store: FeedStore, filter: FeedFilter, fn: (e: FeedEntry) => void) => {
  const saved = useRef(fn);
  saved.current = fn;
  const key = JSON.stringify(filter);
  useEffect(() => store.listen((e) => matches(filter, e) && saved.current(e)), [store, key]);
};
