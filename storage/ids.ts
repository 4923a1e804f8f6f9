import { randomBytes } from "node:crypto";
import { customAlphabet } from "nanoid";

/** Base 62 in ASCII order, so that strings of one length sort as their numbers do. */
const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const random = customAlphabet(ALPHABET, 12);

/** The time in milliseconds as 8 base-62 digits (good until the year 8888). */
const timePart = (ms: number): string => {
  let out = "";
  for (let i = 0; i < 8; i++) {
    out = ALPHABET[ms % 62]! + out;
    ms = Math.floor(ms / 62);
  }
  return out;
};

export const idPrefixes = {
  agent: "agt_",
  app: "app_",
  user: "usr_",
  task: "tsk_",
  conversation: "cnv_",
  message: "msg_",
  intent: "int_",
  request: "req_",
  connection: "con_",
  chat: "cht_",
  circle: "crc_",
  grant: "grt_",
  consent: "cns_",
  confirmation: "cfm_",
} as const;

export type IdKind = keyof typeof idPrefixes;

/**
 * A type prefix, the time, and 12 random characters (71 bits): unguessable
 * like a plain random id, but ids made close in time sort close together, so
 * inserting one lands at the right edge of its unique index instead of a
 * random page of it (for messages that was most of the insert's cost).
 * Neither part contains '.'.
 */
export const newId = <K extends IdKind>(kind: K): `${(typeof idPrefixes)[K]}${string}` =>
  `${idPrefixes[kind]}${timePart(Date.now())}${random()}` as `${(typeof idPrefixes)[K]}${string}`;

/** A token secret: 256 random bits in the URL-safe base64 alphabet (43 characters). */
export const newSecret = (): string => randomBytes(32).toString("base64url");

export const nowIso = (): string => new Date().toISOString();
