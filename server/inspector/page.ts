import { readFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { fileURLToPath } from "node:url";
import { existsSync } from "node:fs";
import { join, sep } from "node:path";

/**
 * Where `npm run build:inspector` writes the page (run by `prepare`, so by
 * `npm ci`): dist/inspector, found from this file in the sources
 * (server/inspector/) and from the bundle, which places it at
 * dist/server/inspector/.
 */
const candidates = ["../../dist/inspector/", "../../inspector/"].map((u) => fileURLToPath(new URL(u, import.meta.url)));
export const INSPECTOR_DIST =
  candidates.find((d) => d.includes(`${sep}dist${sep}`) && existsSync(join(d, "index.html"))) ?? candidates[0]!;

/**
 * Same origin only, no inline script or style, no framing. 'self' in
 * connect-src covers the hub's own ws:// and wss:// origin (CSP level 3).
 */
export const INSPECTOR_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const securityHeaders = {
  "content-security-policy": INSPECTOR_CSP,
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "permissions-policy": "camera=(), microphone=(), geolocation=()",
};

const types: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  map: "application/json; charset=utf-8",
  svg: "image/svg+xml",
  png: "image/png",
};

/** Only flat file names the build writes: no folders, no dot files. */
const ASSET = /^[a-z0-9][a-z0-9._-]*\.(html|js|css|map|svg|png)$/;

const missing = (res: ServerResponse) => {
  const body =
    "The inspector's page has not been built. Run `npm run build:inspector` (npm ci runs it through prepare), then reload.\n";
  res.writeHead(503, { "content-type": "text/plain; charset=utf-8", "content-length": Buffer.byteLength(body) });
  res.end(body);
};

/**
 * GET /inspector (the page) and GET /inspector/<asset>, from dist/inspector.
 * Files are read on each request: they are few and small, and a rebuild shows
 * without restarting the hub.
 */
export const inspectorRoute =
  (dir: string = INSPECTOR_DIST) =>
  async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const path = (req.url ?? "/").split("?")[0]!;
    if (path !== "/inspector" && !path.startsWith("/inspector/")) return false;
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" });
      res.end("The inspector is read with GET.\n");
      return true;
    }
    const name = path === "/inspector" || path === "/inspector/" ? "index.html" : path.slice("/inspector/".length);
    if (!ASSET.test(name)) {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8", ...securityHeaders });
      res.end("No such file in the inspector.\n");
      return true;
    }
    let body: Buffer;
    try {
      body = await readFile(join(dir, name));
    } catch {
      if (name === "index.html") missing(res);
      else {
        res.writeHead(404, { "content-type": "text/plain; charset=utf-8", ...securityHeaders });
        res.end("No such file in the inspector.\n");
      }
      return true;
    }
    res.writeHead(200, {
      "content-type": types[name.slice(name.lastIndexOf(".") + 1)]!,
      "content-length": body.length,
      "cache-control": "no-cache",
      ...securityHeaders,
    });
    res.end(req.method === "HEAD" ? undefined : body);
    return true;
  };
