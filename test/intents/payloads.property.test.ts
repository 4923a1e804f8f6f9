import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeIntentPayload, intentNames, isDateTime } from "../../protocol/index.ts";
import { dateTimeArb, mutated, mutationKinds, validPayload } from "./spec.ts";

const RUNS = 200;

describe("every intent accepts the payloads section 8 describes", () => {
  it.each(intentNames)("%s: generated valid payloads decode to themselves", (intent) => {
    fc.assert(
      fc.property(validPayload(intent), (payload) => {
        const decoded = decodeIntentPayload(intent, payload);
        expect(decoded).toEqual({ ok: true, value: payload });
      }),
      { numRuns: RUNS },
    );
  });
});

const cases = intentNames.flatMap((intent) =>
  mutationKinds.flatMap((kind) => {
    const arb = mutated(intent, kind);
    return arb ? [{ intent, kind, arb }] : [];
  }),
);

describe("every intent refuses a mutated payload with one issue at the mutated path", () => {
  it.each(cases)("$intent: $kind", ({ intent, arb }) => {
    fc.assert(
      fc.property(arb, (mutation) => {
        const decoded = decodeIntentPayload(intent, mutation.payload);
        expect(decoded.ok).toBe(false);
        if (decoded.ok) return;
        expect(decoded.issues.map((i) => i.path)).toEqual([mutation.path]);
        expect(decoded.issues[0]!.message.length).toBeGreaterThan(0);
      }),
      { numRuns: RUNS / 4 },
    );
  });

  it("covers each kind of mutation on some intent", () => {
    expect(new Set(cases.map((c) => c.kind))).toEqual(new Set(mutationKinds));
  });
});

describe("date-times are RFC 3339 with a zone", () => {
  it("accepts generated RFC 3339 date-times and what Date#toISOString produces", () => {
    fc.assert(
      fc.property(
        dateTimeArb,
        fc.date({ noInvalidDate: true, min: new Date(0), max: new Date("9999-12-31T23:59:59.999Z") }),
        (s, d) => {
          expect(isDateTime(s)).toBe(true);
          expect(isDateTime(d.toISOString())).toBe(true);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("accepts leap days of leap years only", () => {
    expect(isDateTime("2024-02-29T12:00:00Z")).toBe(true);
    expect(isDateTime("2000-02-29T12:00:00Z")).toBe(true);
    expect(isDateTime("1900-02-29T12:00:00Z")).toBe(false);
    expect(isDateTime("2023-02-29T12:00:00Z")).toBe(false);
  });

  it("refuses local times, dates alone and times without seconds", () => {
    for (const s of ["2025-06-01T10:00:00", "2025-06-01", "2025-06-01T10:00Z", "2025-06-01T10:00:00+0200"]) {
      expect(isDateTime(s), s).toBe(false);
    }
  });
});
