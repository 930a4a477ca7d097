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
    return { line: lineOfByte(data, firstInvalidUtf8(data)), reason: "it is not valid UTF-8 text" };
  }
}

/**
 * The offset of the first byte that does not start a well-formed UTF-8
 * sequence (Unicode's table 3-7), in one pass; the length when there is none.
 */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const c = bytes[i] as number;
    if (c < 0x80) {
      i++;
      continue;
    }
    let more: number;
    let low = 0x80;
    let high = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) more = 1;
    else if (c === 0xe0) [more, low] = [2, 0xa0];
    else if (c === 0xed) [more, high] = [2, 0x9f];
    else if (c >= 0xe1 && c <= 0xef) more = 2;
    else if (c === 0xf0) [more, low] = [3, 0x90];
    else if (c === 0xf4) [more, high] = [3, 0x8f];
    else if (c >= 0xf1 && c <= 0xf3) more = 3;
    else return i;
    for (let k = 1; k <= more; k++) {
      const d = bytes[i + k];
      if (d === undefined || d < (k === 1 ? low : 0x80) || d > (k === 1 ? high : 0xbf)) return i;
    }
    i += more + 1;
  }
  return bytes.length;
}

/** Splits text into lines, accepting LF and CRLF ends; a final line end adds no empty line. */
export function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}
