import { main } from "./commands.ts";

// No top-level await: the single executable runs this as CommonJS.
void main(process.argv.slice(2)).then((code) => {
  if (code !== 0) process.exit(code);
});
