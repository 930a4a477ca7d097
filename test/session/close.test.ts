import { EventEmitter } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import { BashSession, type SessionProcess } from "../../src/session/bash.js";
import { removeWorkspaces, workspace } from "../helpers/workspace.js";

afterEach(removeWorkspaces);

/** A bash that ends by itself at once, as one too old to run the session does. */
function endingAtOnce(): { launch: () => SessionProcess; ended: Promise<void> } {
  const events = new EventEmitter();
  let ended: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    ended = resolve;
  });
  return {
    launch: () => {
      setTimeout(() => {
        // Like a child process: only listeners there at its end hear of it.
        events.emit("exit", 97, null);
        ended();
      }, 10);
      return {
        pid: undefined,
        kill: () => undefined,
        onExit: (listener) => events.once("exit", listener),
        onError: () => undefined,
      };
    },
    ended: done,
  };
}

describe("closing a session", () => {
  it("returns at once when bash has just ended by itself, before its end was reported", async () => {
    const bash = endingAtOnce();
    const cwd = workspace();
    const session = new BashSession({
      argv0: "demo.sh",
      args: [],
      env: {},
      cwd,
      launch: bash.launch,
    });
    await bash.ended;
    const closed = session.close().then(() => "closed");
    const late = new Promise((resolve) => setTimeout(() => resolve("still waiting"), 3_000));
    expect(await Promise.race([closed, late])).toBe("closed");
    expect((await session.ready()).ok).toBe(false);
  });
});
