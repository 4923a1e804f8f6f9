import type { Storage } from "../storage/index.ts";
import type { AppCallbacks } from "./callbacks.ts";
import type { Committer } from "./committer.ts";
import type { Config } from "./config.ts";
import type { Logger } from "./logger.ts";
import type { Metrics } from "./metrics.ts";
import type { Sessions } from "./sessions.ts";
import type { InspectorFeed } from "./inspector/feed.ts";
import type { HubStats } from "./inspector/stats.ts";
import type { Sealer, WebhookWorker } from "./webhooks/index.ts";

/** What handlers are built with: the hub's services, never a socket to write to. */
export interface HubContext {
  readonly config: Config;
  readonly storage: Storage;
  /** Run a write in the next group transaction; resolves after commit. */
  readonly commit: Committer["run"];
  readonly sessions: Sessions;
  readonly callbacks: AppCallbacks;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly version: string;
  /** The web inspector's live feed and overview counts. */
  readonly inspector: { readonly feed: InspectorFeed; readonly stats: HubStats };
  /** Delivers events to app webhooks; told when a webhook changes. */
  readonly webhooks: WebhookWorker;
  /** Seals webhook secrets at rest under --secret-key. */
  readonly sealer: Sealer;
}
