// Makes @lydell/node-pty impossible to load, as on a platform it has no binary for:
// `node --import ./test/helpers/no-pty.mjs dist/cli.js ...`.
import { register } from "node:module";

register("./no-pty-hooks.mjs", import.meta.url);
