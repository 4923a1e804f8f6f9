import type { IncomingMessage } from "node:http";
import { isIP } from "node:net";

export interface BrowserPolicy {
  readonly host: string;
  readonly publicUrl: string;
  readonly allowedOrigins: string;
  /** The A2A edge's public base URL: its host name is the hub's too. */
  readonly a2aPublicUrl?: string;
}

const hostnameOf = (hostHeader: string): string | undefined => {
  try {
    return new URL(`http://${hostHeader}`).hostname.replace(/^\[|\]$/g, "").toLowerCase();
  } catch {
    return undefined;
  }
};

/**
 * What a browser may do, checked on WebSocket upgrades and POST routes
 * (issue 9, class 4). Host: a name other than an IP literal, `localhost`,
 * --host or the host of --public-url is refused, so a page whose own domain
 * was rebound to 127.0.0.1 (DNS rebinding) cannot reach the hub. Origin,
 * which browsers send and other clients do not: allowed when it is the same
 * origin as the request's Host, or listed in --allowed-origins (`*` for
 * any). Requests without Origin (agents, curl, servers) are not browsers'
 * and pass. Returns why a request is refused, or undefined.
 */
export const browserRefusal = (req: IncomingMessage, policy: BrowserPolicy): string | undefined => {
  const hostHeader = req.headers.host ?? "";
  const name = hostnameOf(hostHeader);
  const names = new Set(["localhost", policy.host.toLowerCase()]);
  for (const url of [policy.publicUrl, policy.a2aPublicUrl])
    if (url) names.add(new URL(url).hostname.replace(/^\[|\]$/g, "").toLowerCase());
  if (name === undefined || (isIP(name) === 0 && !names.has(name))) {
    return `Host ${JSON.stringify(hostHeader)} is not this hub's; use its address, or set --public-url to the name clients use.`;
  }
  const origin = req.headers.origin;
  if (origin === undefined) return undefined;
  const allowed = policy.allowedOrigins
    .split(",")
    .map((o) => o.trim().replace(/\/$/, ""))
    .filter(Boolean);
  if (allowed.includes("*") || allowed.includes(origin)) return undefined;
  try {
    if (new URL(origin).host.toLowerCase() === hostHeader.toLowerCase()) return undefined;
  } catch {
    // "null" and other opaque origins are never the same origin.
  }
  return `Origin ${JSON.stringify(origin)} may not use this hub; add it to --allowed-origins if it should.`;
};
