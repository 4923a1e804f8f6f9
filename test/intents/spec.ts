import fc from "fast-check";
import { intentNames, type IntentName } from "../../protocol/index.ts";

/**
 * Section 8's payload table, transcribed by hand as the tests' oracle: the
 * arbitraries of valid payloads and their mutations derive from it, not from
 * the schemas under test.
 */
type Field =
  | { readonly kind: "text" }
  | { readonly kind: "texts"; readonly min: number; readonly max: number }
  | { readonly kind: "enum"; readonly values: readonly [string, ...string[]] }
  | { readonly kind: "time" }
  | { readonly kind: "times"; readonly min: number; readonly max: number }
  | { readonly kind: "url" }
  | { readonly kind: "did" }
  | { readonly kind: "dids"; readonly min: number; readonly max: number }
  | { readonly kind: "profile" }
  | { readonly kind: "messageId" }
  | { readonly kind: "intent" }
  | { readonly kind: "index" };

interface FieldSpec {
  readonly field: Field;
  readonly required: boolean;
}

const req = (field: Field): FieldSpec => ({ field, required: true });
const opt = (field: Field): FieldSpec => ({ field, required: false });
const text: Field = { kind: "text" };
const oneOf = (...values: readonly [string, ...string[]]): Field => ({ kind: "enum", values });
const time: Field = { kind: "time" };
const times: Field = { kind: "times", min: 1, max: 10 };

export const payloadSpec: { readonly [N in IntentName]: Readonly<Record<string, FieldSpec>> } = {
  connection_request: {
    method: req(oneOf("qr", "intro", "discovery", "import")),
    context: req(text),
    profileSnapshot: req({ kind: "profile" }),
    introducedBy: opt({ kind: "did" }),
  },
  connection_response: {
    status: req(oneOf("accepted", "declined", "pending")),
    profileSnapshot: opt({ kind: "profile" }),
    note: opt(text),
  },
  schedule_meeting: {
    proposedTimes: req(times),
    topic: req(text),
    format: req(oneOf("video", "phone", "in_person", "async")),
    urgency: req(oneOf("low", "normal", "urgent")),
    context: opt(text),
    location: opt(text),
  },
  schedule_meeting_response: {
    status: req(oneOf("accepted", "declined", "countered")),
    confirmedTime: opt(time),
    counterTimes: opt(times),
    meetingLink: opt({ kind: "url" }),
    note: opt(text),
    declineReason: opt(oneOf("unavailable", "not_interested", "too_busy", "deferred")),
  },
  intro_request: {
    target: req({ kind: "did" }),
    reason: req(text),
    urgency: req(oneOf("low", "normal")),
    context: opt(text),
  },
  intro_response: {
    status: req(oneOf("forwarded", "declined", "pending_target")),
    targetResponse: opt(oneOf("accepted", "declined", "pending")),
    note: opt(text),
  },
  opportunity: {
    type: req(oneOf("role", "investment", "collaboration", "advisory", "event", "other")),
    title: req(text),
    description: req(text),
    matchReason: req(text),
    org: opt(text),
    expiresAt: opt(time),
    url: opt({ kind: "url" }),
  },
  opportunity_response: {
    status: req(oneOf("interested", "not_interested", "maybe_later")),
    note: opt(text),
    followUpIntent: opt({ kind: "intent" }),
  },
  ask: {
    question: req(text),
    context: opt(text),
    responseFormat: opt(oneOf("text", "choice")),
    choices: opt({ kind: "texts", min: 1, max: 10 }),
    deadline: opt(time),
  },
  ask_response: {
    answer: req(text),
    choiceIndex: opt({ kind: "index" }),
  },
  follow_up: {
    referenceId: req({ kind: "messageId" }),
    message: req(text),
    actionRequested: opt(oneOf("reply", "schedule", "review", "none")),
  },
  context_share: {
    context: req(text),
    category: req(oneOf("professional_background", "project_update", "expertise", "availability", "general")),
    referenceId: opt(text),
    expiresAt: opt(time),
  },
  ping: {
    note: opt(text),
  },
  retract: {
    targetMessageId: req({ kind: "messageId" }),
    reason: opt(text),
  },
  multi_party_sync: {
    enclaveType: req(oneOf("meeting_sync")),
    purpose: req(text),
    participants: req({ kind: "dids", min: 2, max: 20 }),
    expiresAt: req(time),
  },
};

const profileFields = ["headline", "skills", "interests", "openTo", "availability"] as const;

/** Where the generated references point: any well-formed values, or existing agents and messages. */
export interface PayloadContext {
  readonly did: fc.Arbitrary<string>;
  readonly messageId: fc.Arbitrary<string>;
  readonly choiceIndex: fc.Arbitrary<number>;
}

export const anyContext: PayloadContext = {
  did: fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/).map((id) => `did:switchboard:agt_${id}`),
  messageId: fc.string({ minLength: 1, maxLength: 100 }),
  choiceIndex: fc.nat(),
};

// Text fields: mostly short, some non-ASCII, now and then exactly at the 4,000 limit.
const textArb = fc.oneof(
  { weight: 6, arbitrary: fc.string({ minLength: 1, maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ minLength: 1, maxLength: 10, unit: "grapheme" }) },
  { weight: 1, arbitrary: fc.constant("x".repeat(4000)) },
);

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** RFC 3339 date-times with a zone, in the forms the contract admits. */
export const dateTimeArb: fc.Arbitrary<string> = fc
  .record({
    date: fc.date({
      min: new Date("0001-01-01T00:00:00.000Z"),
      max: new Date("9999-12-31T23:59:59.999Z"),
      noInvalidDate: true,
    }),
    fraction: fc.option(fc.stringMatching(/^[0-9]{1,9}$/), { nil: undefined }),
    zone: fc.oneof(
      fc.constantFrom("Z", "z"),
      fc
        .record({
          sign: fc.constantFrom("+", "-"),
          h: fc.integer({ min: 0, max: 23 }),
          m: fc.integer({ min: 0, max: 59 }),
        })
        .map(({ sign, h, m }) => `${sign}${pad(h)}:${pad(m)}`),
    ),
    t: fc.constantFrom("T", "t"),
  })
  .map(({ date, fraction, zone, t }) => {
    const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
    return `${iso.slice(0, 10)}${t}${iso.slice(11, 19)}${fraction === undefined ? "" : `.${fraction}`}${zone}`;
  });

const urlArb = fc.webUrl({ validSchemes: ["http", "https"] });

const profileArb = fc.record(
  {
    headline: textArb,
    skills: fc.array(textArb, { maxLength: 5 }),
    interests: fc.array(textArb, { maxLength: 5 }),
    openTo: fc.array(textArb, { maxLength: 5 }),
    availability: textArb,
  },
  { requiredKeys: ["headline", "skills", "interests", "openTo"] },
);

const valueArb = (field: Field, ctx: PayloadContext): fc.Arbitrary<unknown> => {
  switch (field.kind) {
    case "text":
      return textArb;
    case "texts":
      return fc.array(textArb, { minLength: field.min, maxLength: field.max });
    case "enum":
      return fc.constantFrom(...field.values);
    case "time":
      return dateTimeArb;
    case "times":
      return fc.array(dateTimeArb, { minLength: field.min, maxLength: field.max });
    case "url":
      return urlArb;
    case "did":
      return ctx.did;
    case "dids":
      return fc.array(ctx.did, { minLength: field.min, maxLength: field.max });
    case "profile":
      return profileArb;
    case "messageId":
      return ctx.messageId;
    case "intent":
      return fc.constantFrom(...intentNames);
    case "index":
      return ctx.choiceIndex;
  }
};

type Payload = Record<string, unknown>;

/** The rules that tie one field to another (section 8). */
const fixCrossFields = (intent: IntentName, p: Payload, extra: { did: string; choices: unknown }): Payload => {
  if (intent === "connection_request" && p.method === "intro" && p.introducedBy === undefined) {
    return { ...p, introducedBy: extra.did };
  }
  if (intent === "ask") {
    if (p.responseFormat === "choice" && p.choices === undefined) return { ...p, choices: extra.choices };
    if (p.responseFormat === "text" && p.choices !== undefined) {
      const { choices: _dropped, ...rest } = p;
      return rest;
    }
  }
  return p;
};

/** Valid payloads of one intent, optional fields present or not. */
export const validPayload = (intent: IntentName, ctx: PayloadContext = anyContext): fc.Arbitrary<Payload> => {
  const spec = payloadSpec[intent];
  const model = Object.fromEntries(Object.entries(spec).map(([name, f]) => [name, valueArb(f.field, ctx)]));
  const requiredKeys = Object.entries(spec)
    .filter(([, f]) => f.required)
    .map(([name]) => name);
  return fc
    .tuple(fc.record(model, { requiredKeys }), ctx.did, fc.array(textArb, { minLength: 1, maxLength: 10 }))
    .map(([p, did, choices]) => fixCrossFields(intent, p as Payload, { did, choices }));
};

/** A payload made invalid, and the path (relative to the payload) its issue must name. */
export interface Mutation {
  readonly kind: MutationKind;
  readonly payload: unknown;
  readonly path: ReadonlyArray<string | number>;
}

export const mutationKinds = [
  "unknown field",
  "unknown nested field",
  "missing required field",
  "wrong enum",
  "count out of range",
  "bad time",
  "bad text",
  "bad url",
  "bad did",
  "bad index",
  "cross-field requirement",
  "not an object",
] as const;
export type MutationKind = (typeof mutationKinds)[number];

const badTimes = [
  "2025-13-01T10:00:00Z",
  "2025-02-29T10:00:00Z",
  "2025-04-31T10:00:00Z",
  "2025-06-01T24:00:00Z",
  "2025-06-01T10:60:00Z",
  "2025-06-01T10:00:00",
  "2025-06-01T10:00Z",
  "2025-06-01",
  "2025-06-01 10:00:00Z",
  "2025-06-01T10:00:00+2:00",
  "2025-06-01T10:00:00.Z",
  "tomorrow at noon",
  "",
  1748772000000,
  null,
];
const badTexts = ["", "x".repeat(4001), 42, null, ["a"]];
const badUrls = ["ftp://example.com/file", "example.com", "/relative/path", "http://", "mailto:someone@example.com", 7];
const badDids = [
  "agt_abc",
  "did:web:example.com",
  "did:switchboard:",
  "did:switchboard:bob",
  "did:switchboard:agt_a b",
  "",
];
const badIndexes = [-1, 1.5, "0", null];

const unknownKey = (known: ReadonlyArray<string>) =>
  fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,15}$/).filter((k) => !known.includes(k));
const without = (p: Payload, key: string): Payload => {
  const { [key]: _gone, ...rest } = p;
  return rest;
};

/**
 * Mutations of one kind applicable to an intent, or undefined when the
 * intent has no field the kind applies to.
 */
export const mutated = (
  intent: IntentName,
  kind: MutationKind,
  ctx: PayloadContext = anyContext,
): fc.Arbitrary<Mutation> | undefined => {
  const spec = payloadSpec[intent];
  const fieldsOf = (...kinds: Field["kind"][]) =>
    Object.entries(spec)
      .filter(([, f]) => kinds.includes(f.field.kind))
      .map(([name]) => name);
  const on = <T>(names: string[], make: (p: Payload, name: string) => fc.Arbitrary<T>) =>
    names.length === 0
      ? undefined
      : fc.tuple(validPayload(intent, ctx), fc.constantFrom(...names)).chain(([p, name]) =>
          // An optional field to mutate is given a valid value first.
          (name in p ? fc.constant(p) : valueArb(spec[name]!.field, ctx).map((v) => ({ ...p, [name]: v }))).chain(
            (withField) => make(withField, name),
          ),
        );
  const m = (payload: unknown, path: ReadonlyArray<string | number>): Mutation => ({ kind, payload, path });

  switch (kind) {
    case "unknown field":
      return validPayload(intent, ctx).chain((p) =>
        fc.tuple(unknownKey(Object.keys(spec)), fc.jsonValue()).map(([k, v]) => m({ ...p, [k]: v }, [k])),
      );
    case "unknown nested field":
      return on(fieldsOf("profile"), (p, name) =>
        fc
          .tuple(profileArb, unknownKey(profileFields), fc.jsonValue())
          .map(([profile, k, v]) => m({ ...p, [name]: { ...profile, [k]: v } }, [name, k])),
      );
    case "missing required field":
      return on(
        Object.entries(spec)
          .filter(([, f]) => f.required)
          .map(([n]) => n),
        (p, name) => fc.constant(m(without(p, name), [name])),
      );
    case "wrong enum":
      return on(fieldsOf("enum", "intent"), (p, name) => {
        const field = spec[name]!.field;
        const values: ReadonlyArray<string> = field.kind === "enum" ? field.values : intentNames;
        // Values are lower case, so an upper-cased one is wrong too.
        return fc
          .oneof(
            fc.string().filter((s) => !values.includes(s)),
            fc.constantFrom<unknown>(1, null, true, values[0]!.toUpperCase()),
          )
          .map((v) => m({ ...p, [name]: v }, [name]));
      });
    case "count out of range":
      return on(fieldsOf("times", "dids", "texts"), (p, name) => {
        const field = spec[name]!.field as Extract<Field, { min: number }>;
        const item = valueArb(field.kind === "times" ? time : field.kind === "dids" ? { kind: "did" } : text, ctx);
        const lengths = [field.max + 1, ...(field.min > 0 ? [field.min - 1] : [])];
        return fc
          .constantFrom(...lengths)
          .chain((n) => fc.array(item, { minLength: n, maxLength: n }))
          .map((items) => m({ ...p, [name]: items }, [name]));
      });
    case "bad time":
      return on(fieldsOf("time", "times"), (p, name) => {
        if (spec[name]!.field.kind === "time")
          return fc.constantFrom(...badTimes).map((v) => m({ ...p, [name]: v }, [name]));
        const list = p[name] as unknown[];
        return fc
          .tuple(fc.nat({ max: list.length - 1 }), fc.constantFrom(...badTimes))
          .map(([i, v]) => m({ ...p, [name]: list.map((x, j) => (j === i ? v : x)) }, [name, i]));
      });
    case "bad text":
      return on(fieldsOf("text"), (p, name) => fc.constantFrom(...badTexts).map((v) => m({ ...p, [name]: v }, [name])));
    case "bad url":
      return on(fieldsOf("url"), (p, name) => fc.constantFrom(...badUrls).map((v) => m({ ...p, [name]: v }, [name])));
    case "bad did":
      return on(fieldsOf("did", "dids"), (p, name) => {
        if (spec[name]!.field.kind === "did") {
          return fc.constantFrom(...badDids).map((v) => m({ ...p, [name]: v }, [name]));
        }
        const list = p[name] as unknown[];
        return fc
          .tuple(fc.nat({ max: list.length - 1 }), fc.constantFrom(...badDids))
          .map(([i, v]) => m({ ...p, [name]: list.map((x, j) => (j === i ? v : x)) }, [name, i]));
      });
    case "bad index":
      return on(fieldsOf("index"), (p, name) =>
        fc.constantFrom(...badIndexes).map((v) => m({ ...p, [name]: v }, [name])),
      );
    case "cross-field requirement":
      if (intent === "connection_request") {
        return validPayload(intent, ctx).map((p) =>
          m(without({ ...p, method: "intro" }, "introducedBy"), ["introducedBy"]),
        );
      }
      if (intent === "ask") {
        return fc
          .tuple(validPayload(intent, ctx), fc.array(textArb, { minLength: 1, maxLength: 10 }), fc.boolean())
          .map(([p, choices, asChoice]) =>
            asChoice
              ? m(without({ ...p, responseFormat: "choice" }, "choices"), ["choices"])
              : m({ ...p, responseFormat: "text", choices }, ["choices"]),
          );
      }
      return undefined;
    case "not an object":
      return fc.constantFrom<unknown>(null, "payload", 3, [], [{}], true).map((v) => m(v, []));
  }
};
