import { customAlphabet } from "nanoid";
import { matchesEvent, type ActionEventDef, type Actor } from "../../protocol/index.ts";
import { nowIso, type Storage } from "../../storage/index.ts";
import type { Tx } from "../committer.ts";

const random = customAlphabet("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", 16);

type EnvelopeOf<D extends ActionEventDef> = D["params"]["Type"];

/** A write job's way to log the events of 7.4 with their envelope and recipients. */
export interface EventTx {
  event<D extends ActionEventDef>(
    def: D,
    users: Iterable<string>,
    resource: EnvelopeOf<D>["resource"],
    payload: EnvelopeOf<D>["payload"],
  ): Promise<void>;
}

/**
 * Log an event for the acting user, the other users it concerns, and the
 * apps subscribed to it (`events/subscribe`) that one of those users has
 * granted (10.13). All in the job's transaction, through the event log, so
 * replay and resume cover them like any other notification.
 */
export const eventTx = (storage: Storage, tx: Tx, actor: Actor): EventTx => ({
  async event(def, users, resource, payload) {
    const people = [...new Set([actor.userId as string, ...users])];
    const apps = (await storage.actions.subscriptions.grantedBy(people))
      .filter((s) => s.patterns.some((p) => matchesEvent(p, def.name)))
      .map((s) => s.appId);
    const envelope = {
      event: def.name,
      eventId: `evt_${random()}`,
      occurredAt: nowIso(),
      ...(actor.appId !== undefined ? { actorAppId: actor.appId } : {}),
      ...(actor.agentId !== undefined ? { actorAgentId: actor.agentId } : {}),
      actorUserId: actor.userId,
      resource,
      payload,
    };
    tx.emit(def, [...people, ...apps], envelope as never);
  },
});
