// The ES module build of the headless terminal loads faster than its CommonJS entry; its types
// are the package's own.
declare module "@xterm/headless/lib-headless/xterm-headless.mjs" {
  export { Terminal } from "@xterm/headless";
}
