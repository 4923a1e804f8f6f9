import { lookup } from "node:dns/promises";
import { isIP, type LookupFunction } from "node:net";
import ipaddr from "ipaddr.js";

/** Where a webhook request goes: the URL, and the one address resolved for it that the request connects to. */
export interface Target {
  readonly url: URL;
  readonly address: string;
  readonly family: 4 | 6;
}

/**
 * Whether an address is public: ipaddr.js classifies every special-purpose
 * range (loopback, private, link-local, CGNAT, unique-local, multicast,
 * documentation, ...); only `unicast` is the public internet. An IPv4 address
 * mapped into IPv6 is judged as the IPv4 address it is.
 */
export const isPublicAddress = (address: string): boolean => {
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === "ipv6" && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  }
  return parsed.range() === "unicast";
};

/**
 * Resolve a webhook URL once and check it (section 12): `https://` to a public
 * address, or with `allowPrivate` also `http://` and any address. Every
 * address the name resolves to must pass, and the request then connects to
 * the checked one (`pinnedLookup`), so a second, different DNS answer (DNS
 * rebinding) is never used. Returns why the URL is refused, or the target.
 */
export const resolveTarget = async (
  raw: string,
  allowPrivate: boolean,
): Promise<{ ok: true; target: Target } | { ok: false; reason: string }> => {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: "is not a URL" };
  }
  if (url.protocol !== "https:" && !(allowPrivate && url.protocol === "http:")) {
    return { ok: false, reason: "must be an https:// URL" };
  }
  if (url.username !== "" || url.password !== "") return { ok: false, reason: "must not carry credentials" };
  const host = url.hostname.replace(/^\[|\]$/g, "");
  let addresses: Array<{ address: string; family: number }>;
  if (isIP(host) !== 0) addresses = [{ address: host, family: isIP(host) }];
  else {
    try {
      addresses = await lookup(host, { all: true, verbatim: true });
    } catch {
      return { ok: false, reason: `has a host name that does not resolve (${host})` };
    }
  }
  if (addresses.length === 0) return { ok: false, reason: `has a host name that does not resolve (${host})` };
  if (!allowPrivate) {
    const inner = addresses.find((a) => !isPublicAddress(a.address));
    if (inner) return { ok: false, reason: `resolves to ${inner.address}, which is not a public address` };
  }
  const first = addresses[0]!;
  return { ok: true, target: { url, address: first.address, family: first.family === 6 ? 6 : 4 } };
};

/** A `lookup` for http.request that answers with the address already checked, never asking DNS again. */
export const pinnedLookup =
  (target: Target): LookupFunction =>
  (_hostname, options, callback) => {
    if ((options as { all?: boolean }).all) {
      (callback as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [
        { address: target.address, family: target.family },
      ]);
    } else callback(null, target.address, target.family);
  };
