// Records, then refuses, every load of the bash parser, in this process and in the
// demoshts processes it starts (`NODE_OPTIONS=--import=.../no-parser.mjs`).
import { register } from "node:module";

register("./no-parser-hooks.mjs", import.meta.url);
