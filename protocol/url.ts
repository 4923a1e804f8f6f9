import { Schema } from "effect";
import { maxLength } from "./length.ts";

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

/**
 * The published form of HttpUrl. JSON Schema's `format: "uri"` (RFC 3986)
 * is both wider (ftp:, mailto:) and narrower (a space in the path, which
 * the WHATWG parser percent-encodes) than what the hub accepts, so the
 * document publishes a format of its own, `http-url`, whose definition is
 * exactly `isHttpUrl`: the string starts with http:// or https:// (any case)
 * and the WHATWG URL parser (`new URL(s)`) accepts it. The pattern states
 * the first half for tools that skip unknown formats; with `http-url`
 * registered (ajv: `ajv.addFormat("http-url", s => /^https?:\/\//i.test(s) &&
 * URL.canParse(s))`) a validator accepts exactly what the hub does.
 */
export const HTTP_URL_FORMAT = "http-url";
export const HTTP_URL_PATTERN = "^[Hh][Tt][Tt][Pp][Ss]?://";

/** An absolute http(s) URL. */
export const HttpUrl = Schema.String.pipe(
  maxLength(4096),
  Schema.filter(isHttpUrl, {
    message: () => "an absolute http(s) URL",
    description: `an absolute http(s) URL: format "${HTTP_URL_FORMAT}" means it starts with http:// or https:// (any case) and the WHATWG URL parser accepts it`,
    jsonSchema: { format: HTTP_URL_FORMAT, pattern: HTTP_URL_PATTERN },
    // Generators (property tests) draw real URLs rather than strings that almost never are one.
    arbitrary: () => (fc) => fc.webUrl({ validSchemes: ["http", "https"] }),
  }),
).annotations({ identifier: "HttpUrl" });
