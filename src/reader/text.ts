/** Turning a file's bytes into lines, refusing what is not text. */

export interface BinaryFinding {
  /** 1-based line of the first byte that makes the file binary. */
  readonly line: number;
  readonly reason: string;
}

const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

function lineOfByte(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < bytes.length; i++) if (bytes[i] === 0x0a) line++;
  return line;
}

/** Decodes UTF-8 text (dropping a byte-order mark); a NUL byte or invalid UTF-8 means binary. */
export function decodeText(data: string | Uint8Array): string | BinaryFinding {
  if (typeof data === "string") {
    const nul = data.indexOf("\0");
    if (nul >= 0) {
      return { line: data.slice(0, nul).split("\n").length, reason: "it contains a NUL byte" };
    }
    return data.startsWith("\uFEFF") ? data.slice(1) : data;
  }
  const nul = data.indexOf(0);
  if (nul >= 0) return { line: lineOfByte(data, nul), reason: "it contains a NUL byte" };
  try {
    return decoder.decode(data);
  } catch {
    let offset = 0;
    // Find the first undecodable byte by growing a valid prefix line by line.
    for (let end = data.indexOf(0x0a); ; end = data.indexOf(0x0a, end + 1)) {
      const stop = end < 0 ? data.length : end + 1;
      try {
        decoder.decode(data.subarray(0, stop));
        offset = stop;
      } catch {
        break;
      }
      if (end < 0) break;
    }
    return { line: lineOfByte(data, offset), reason: "it is not valid UTF-8 text" };
  }
}

/** Splits text into lines, accepting LF and CRLF ends; a final line end adds no empty line. */
export function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}
