import { Schema } from "effect";
import { Text4k } from "../cards.ts";
import { MessageId } from "../shapes.ts";
import { HttpUrl } from "../url.ts";

/** The field types of the intent payloads (section 8). */

export { HttpUrl, MessageId, Text4k };
export { OneOf, optional } from "./kit.ts";

/** A filter issue for a field that a sibling's value makes required. */
export const requiredWhen = (field: string, condition: string) => ({
  path: [field],
  message: `is required when ${condition}`,
});

/** The `if` of a JSON Schema conditional: `field` is present and equals `value`. */
export const whenEquals = (field: string, value: string) => ({
  properties: { [field]: { const: value } },
  required: [field],
});

/** Between `min` and `max` items of `item`. */
export const Items = <A, I>(item: Schema.Schema<A, I, never>, min: number, max: number) =>
  Schema.Array(item).pipe(Schema.minItems(min), Schema.maxItems(max));

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:[Zz]|[+-](\d{2}):(\d{2}))$/;

const daysInMonth = (year: number, month: number): number =>
  month === 2
    ? year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
      ? 29
      : 28
    : [4, 6, 9, 11].includes(month)
      ? 30
      : 31;

/** Whether `s` is an RFC 3339 date-time with a zone, naming a real calendar date (no leap seconds). */
export const isDateTime = (s: string): boolean => {
  const m = RFC3339.exec(s);
  if (!m) return false;
  const [year, month, day, hour, minute, second, offsetHour, offsetMinute] = m.slice(1).map((x) => Number(x ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return (
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month) &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59 &&
    offsetHour <= 23 &&
    offsetMinute <= 59
  );
};

/**
 * An ISO-8601 date-time in its RFC 3339 profile: date, `T`, time with
 * seconds, an optional fraction of up to nine digits, and a zone (`Z` or
 * `±hh:mm`). A time without a zone is ambiguous between agents in different
 * places, so it is refused.
 */
export const DateTime = Schema.String.pipe(
  Schema.filter(isDateTime, {
    message: (issue) =>
      `expected an RFC 3339 date-time with a zone, such as 2025-06-01T14:30:00Z, got ${JSON.stringify(issue.actual)}`,
    jsonSchema: { format: "date-time", pattern: RFC3339.source },
    // Generators draw real instants (in UTC) rather than strings that are almost never one.
    arbitrary: () => (fc) =>
      fc
        .date({ min: new Date("1970-01-01T00:00:00Z"), max: new Date("9999-12-31T23:59:59Z"), noInvalidDate: true })
        .map((d) => d.toISOString()),
  }),
).annotations({
  identifier: "DateTime",
  description: "An RFC 3339 date-time with a zone (Z or ±hh:mm), e.g. 2025-06-01T14:30:00Z.",
});

export const DID_PREFIX = "did:switchboard:";
const DID = /^did:switchboard:agt_[A-Za-z0-9_-]{1,96}$/;

/** An agent's DID, `did:switchboard:<agent id>`; that it names an existing agent is checked by the hub. */
export const Did = Schema.String.pipe(
  Schema.pattern(DID, {
    message: (issue) =>
      `expected an agent's DID, did:switchboard:<agent id> (see the did of agent/agents/list), got ${JSON.stringify(issue.actual)}`,
  }),
).annotations({
  identifier: "Did",
  description: "An agent's DID, did:switchboard:<agent id>; it must name an existing agent.",
});

export const agentIdOfDid = (did: string): string => did.slice(DID_PREFIX.length);
