import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { removeWorkspaces, workspace } from "../helpers/workspace.js";
import { CLI } from "../run/e2e-helpers.js";

afterAll(removeWorkspaces);

describe("demoshts doctor asking commands for their version", () => {
  it("never gives a command other than a cluster CLI a `version` word: nothing is run or removed", () => {
    const cwd = workspace({
      "demo.sh": "rm -f old.txt\nsh -c true\n",
      // What `sh version --client` would run.
      version: "#!/bin/sh\ntouch version-ran\n",
    });
    const log = path.join(cwd, "rm.log");
    // An rm without --version, as on macOS, that notes what it is asked to remove.
    const bin = workspace({
      rm: `#!/bin/sh\necho "$*" >> '${log}'\n[ "$1" = --version ] && exit 64\nexit 0\n`,
      // A shell without --version (dash): any other first word is a script to run.
      sh: '#!/bin/bash\n[ "$1" = --version ] && exit 2\nexec /bin/bash "$@"\n',
    });
    for (const file of [path.join(cwd, "version"), path.join(bin, "rm"), path.join(bin, "sh")])
      fs.chmodSync(file, 0o755);
    const run = spawnSync(process.execPath, [CLI, "doctor", "demo.sh"], {
      cwd,
      env: { PATH: bin, HOME: workspace(), LANG: "C" },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(run.stdout).toMatch(/ok +rm +\S+\/rm +\(no version reported\)/);
    expect(fs.readFileSync(log, "utf8")).toBe("--version\n");
    expect(fs.existsSync(path.join(cwd, "version-ran"))).toBe(false);
  });
});
