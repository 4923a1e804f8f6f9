// Inside the single executable: the files the hub reads from disk (its SQL
// migrations, package.json, better-sqlite3's native addon) travel as SEA
// assets, and are written once to a cache folder named after their content
// hash, where the bundled code finds them. Injected into the bundle by
// scripts/sea/build.mjs (esbuild `inject`), which defines the two constants.
/* global __SWITCHBOARD_SEA_KEY__, __SWITCHBOARD_SEA_ASSETS__ */
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { getAsset } from "node:sea";
import { pathToFileURL } from "node:url";

let folder;

/** The cache folder: SWITCHBOARD_CACHE_DIR, else $XDG_CACHE_HOME/switchboard, else ~/.cache/switchboard. */
const cacheRoot = () => {
  if (process.env.SWITCHBOARD_CACHE_DIR) return process.env.SWITCHBOARD_CACHE_DIR;
  if (process.env.XDG_CACHE_HOME) return join(process.env.XDG_CACHE_HOME, "switchboard");
  const home = homedir();
  return home ? join(home, ".cache", "switchboard") : join(tmpdir(), "switchboard-cache");
};

/** Write the assets once (into a staging folder renamed into place, so a crash never leaves half a cache). */
export const assetsFolder = () => {
  if (folder) return folder;
  const target = join(cacheRoot(), __SWITCHBOARD_SEA_KEY__);
  if (!existsSync(join(target, ".complete"))) {
    const staging = `${target}.tmp-${process.pid}`;
    try {
      rmSync(staging, { recursive: true, force: true });
      for (const key of JSON.parse(__SWITCHBOARD_SEA_ASSETS__)) {
        const file = join(staging, key);
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, new Uint8Array(getAsset(key)));
      }
      writeFileSync(join(staging, ".complete"), "");
      rmSync(target, { recursive: true, force: true });
      renameSync(staging, target);
    } catch (err) {
      rmSync(staging, { recursive: true, force: true });
      if (!existsSync(join(target, ".complete"))) {
        process.stderr.write(
          `switchboard: cannot unpack its files into ${target} (${err.message}); set SWITCHBOARD_CACHE_DIR to a writable folder.\n`,
        );
        process.exit(1);
      }
      // Another process unpacked them first.
    }
  }
  folder = target;
  return folder;
};

/** The file URL a bundled module of the sources (`storage/db.ts`) would have: its neighbours are in the cache. */
export const __switchboardFileUrl = (rel) => pathToFileURL(join(assetsFolder(), rel)).href;
