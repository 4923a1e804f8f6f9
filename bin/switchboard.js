#!/usr/bin/env node
// The `switchboard` binary: TypeScript sources run through tsx's loader.
import { register } from "tsx/esm/api";

register();
await import("../server/cli/main.ts");
