import { readFileSync } from "node:fs";

/**
 * The version in the project's package.json, found from this module whether it
 * runs from the sources (server/) or from the build (dist/server/).
 */
const readVersion = (): string => {
  for (const rel of ["../package.json", "../../package.json"]) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), "utf8")) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === "switchboard" && typeof pkg.version === "string") return pkg.version;
    } catch {
      // not this one
    }
  }
  return "0.0.0-unknown";
};

export const VERSION: string = readVersion();
