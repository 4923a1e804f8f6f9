import { Schema } from "effect";

/** Whether `s` is an absolute http(s) URL. */
export const isHttpUrl = (s: string): boolean => {
  if (!/^https?:\/\//i.test(s)) return false;
  try {
    new URL(s);
    return true;
  } catch {
    return false;
  }
};

/** An absolute http(s) URL. */
export const HttpUrl = Schema.String.pipe(
  Schema.maxLength(4096),
  Schema.filter(isHttpUrl, {
    message: () => "an absolute http(s) URL",
    jsonSchema: { format: "uri" },
    // Generators (property tests) draw real URLs rather than strings that almost never are one.
    arbitrary: () => (fc) => fc.webUrl({ validSchemes: ["http", "https"] }),
  }),
).annotations({ identifier: "HttpUrl" });
