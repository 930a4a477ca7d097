import type { IPty, IPtyForkOptions } from "@lydell/node-pty";

/** The part of node-pty that demoshts uses. */
export interface PtyModule {
  spawn(file: string, args: string[], options: IPtyForkOptions): IPty;
}

export type PtyLoad =
  | { readonly ok: true; readonly pty: PtyModule }
  | { readonly ok: false; readonly reason: string };

let loading: Promise<PtyLoad> | undefined;

/**
 * Loads the pseudo-terminal module, once, and only when a mode needs it: it is a
 * native module, absent or unloadable on platforms without a prebuilt binary.
 */
export function loadPty(): Promise<PtyLoad> {
  loading ??= import("@lydell/node-pty").then(
    (module): PtyLoad => {
      const pty = (module as { default?: PtyModule }).default ?? (module as unknown as PtyModule);
      return typeof pty.spawn === "function"
        ? { ok: true, pty }
        : { ok: false, reason: "@lydell/node-pty has no spawn()" };
    },
    (error: unknown): PtyLoad => ({
      ok: false,
      reason: `@lydell/node-pty cannot be loaded here (${firstLine(error)})`,
    }),
  );
  return loading;
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split("\n")[0] ?? text;
}
