// The ESM build of @xterm/headless (faster to load than its CommonJS entry) has the package's types.
declare module "@xterm/headless/lib-headless/xterm-headless.mjs" {
  export * from "@xterm/headless";
}
