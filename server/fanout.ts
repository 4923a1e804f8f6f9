import type { Emitted } from "./committer.ts";
import type { Metrics } from "./metrics.ts";
import type { Sessions } from "./sessions.ts";

/**
 * A logged notification's frame. `cursor` is the first member of params, so
 * the frame is the same string for every recipient but for the cursor: the
 * params are serialized once per event, not once per recipient.
 */
export const framePrefix = (method: string): string =>
  `{"jsonrpc":"2.0","method":${JSON.stringify(method)},"params":{"cursor":"`;
export const frameSuffix = (paramsJson: string): string => (paramsJson === "{}" ? `"}}` : `",${paramsJson.slice(1)}}`);

/** `params` as stored and pushed (section 10.22): the event's params with its cursor first. */
export const paramsWithCursor = (paramsJson: string, cursor: number): string =>
  paramsJson === "{}" ? `{"cursor":"${cursor}"}` : `{"cursor":"${cursor}",${paramsJson.slice(1)}`;

/**
 * Push committed events to the live sockets of their recipients, in cursor
 * order. A socket that is catching up (not live) is skipped: its replay reads
 * these same events from the log.
 */
export const createFanout =
  (sessions: Sessions, metrics: Metrics) =>
  (events: ReadonlyArray<Emitted>): void => {
    let logged = 0;
    let sent = 0;
    for (const e of events) {
      logged += e.recipients.length;
      let prefix: string | undefined;
      let suffix: string | undefined;
      for (let i = 0; i < e.recipients.length; i++) {
        const targets = sessions.of(e.recipients[i]!);
        if (!targets) continue;
        const cursor = e.cursors[i]!;
        for (const s of targets) {
          if (cursor <= s.lastCursor) continue;
          if (!s.live) {
            s.missedLive = true;
            continue;
          }
          prefix ??= framePrefix(e.method);
          suffix ??= frameSuffix(e.paramsJson);
          s.lastCursor = cursor;
          s.send(prefix + cursor + suffix);
          sent++;
        }
      }
    }
    metrics.eventsLogged.inc(logged);
    if (sent > 0) metrics.notificationsSent.inc(sent);
  };
