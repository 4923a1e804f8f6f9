import { randomBytes } from "node:crypto";
import { customAlphabet } from "nanoid";

/** Ids are a type prefix and 16 URL-safe random characters; neither contains '.'. */
const random = customAlphabet("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", 16);

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

export const newId = <K extends IdKind>(kind: K): `${(typeof idPrefixes)[K]}${string}` =>
  `${idPrefixes[kind]}${random()}` as `${(typeof idPrefixes)[K]}${string}`;

/** A token secret: 256 random bits in the URL-safe base64 alphabet (43 characters). */
export const newSecret = (): string => randomBytes(32).toString("base64url");

export const nowIso = (): string => new Date().toISOString();
