import { renameSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { Command, CommanderError } from "commander";
import { parseCast } from "../record/asciicast.js";
import { exportHtml, playerAssets } from "../record/export.js";
import type { CliIo } from "./main.js";

/** `demoshts export FILE.cast --html OUT.html`. */
export async function exportCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const command = new Command()
    .name("demoshts export")
    .description("Write a recording as one self-contained web page that plays it.")
    .argument("<recording>", "an asciicast v2 file (made with --record)")
    .requiredOption("--html <file>", "the page to write")
    .option("--title <text>", "the page's title (default: the recording's title)")
    .helpOption("-h, --help", "show this help")
    .addHelpText(
      "after",
      `
The page needs no network: the asciinema player's script and styles and the
recording are inside it. The demo's headings are listed as chapters to jump to.

Exit codes:
  0  written   2  the recording cannot be read or the page cannot be written
`,
    )
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    });
  try {
    command.parse([...argv], { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    throw error;
  }
  const [file] = command.processedArgs as [string];
  const opts = command.opts<{ html: string; title?: string }>();
  const read = io.readFile(path.resolve(io.cwd, file));
  if (!read.ok) {
    io.stderr.write(`demoshts: cannot read ${file}: ${read.reason}\n`);
    return 2;
  }
  const text = typeof read.data === "string" ? read.data : Buffer.from(read.data).toString("utf8");
  const parsed = parseCast(text);
  if (!parsed.ok) {
    io.stderr.write(`demoshts: ${file}: ${parsed.reason}\n`);
    return 2;
  }
  const title = opts.title ?? parsed.cast.header.title ?? path.basename(file);
  const html = exportHtml(text, parsed.cast, title, playerAssets());
  const target = path.resolve(io.cwd, opts.html);
  const partial = `${target}.partial`;
  try {
    writeFileSync(partial, html);
    renameSync(partial, target);
  } catch (error) {
    io.stderr.write(`demoshts: cannot write ${opts.html}: ${(error as Error).message}\n`);
    return 2;
  }
  io.stdout.write(`demoshts: wrote ${opts.html} (${Math.round(html.length / 1024)} KB)\n`);
  return 0;
}
