/** An XML element, as the tests read reports. */
export interface XmlElement {
  readonly name: string;
  readonly attributes: Record<string, string>;
  readonly children: XmlElement[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function decode(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, name: string) => {
    if (name.startsWith("#x")) return String.fromCodePoint(Number.parseInt(name.slice(2), 16));
    if (name.startsWith("#")) return String.fromCodePoint(Number(name.slice(1)));
    const found = ENTITIES[name];
    if (found === undefined) throw new Error(`unknown entity ${whole}`);
    return found;
  });
}

/**
 * A strict reader for the XML that reports use (elements, attributes, text, CDATA,
 * comments, the declaration): it throws on anything that is not well-formed.
 */
export function parseXml(source: string): XmlElement {
  let at = 0;
  const fail = (why: string): never => {
    throw new Error(`XML: ${why} at offset ${at}: ${JSON.stringify(source.slice(at, at + 40))}`);
  };
  const skipSpace = (): void => {
    while (/\s/.test(source[at] ?? "")) at++;
  };
  if (source.startsWith("<?xml")) {
    at = source.indexOf("?>") + 2;
    if (at < 2) fail("unterminated declaration");
  }
  const element = (): XmlElement => {
    const open = /^<([A-Za-z_][\w.-]*)/.exec(source.slice(at));
    if (!open) return fail("expected an element");
    at += open[0].length;
    const node: XmlElement = { name: open[1] as string, attributes: {}, children: [], text: "" };
    for (;;) {
      skipSpace();
      if (source.startsWith("/>", at)) {
        at += 2;
        return node;
      }
      if (source[at] === ">") {
        at++;
        break;
      }
      const attr = /^([A-Za-z_][\w.:-]*)="([^"<]*)"/.exec(source.slice(at));
      if (!attr) return fail("bad attribute");
      if ((attr[1] as string) in node.attributes) fail(`duplicate attribute ${attr[1]}`);
      node.attributes[attr[1] as string] = decode(attr[2] as string);
      at += attr[0].length;
    }
    for (;;) {
      if (at >= source.length) fail(`unclosed <${node.name}>`);
      if (source.startsWith("<![CDATA[", at)) {
        const end = source.indexOf("]]>", at);
        if (end < 0) fail("unterminated CDATA");
        node.text += source.slice(at + 9, end);
        at = end + 3;
      } else if (source.startsWith("<!--", at)) {
        const end = source.indexOf("-->", at);
        if (end < 0) fail("unterminated comment");
        at = end + 3;
      } else if (source.startsWith("</", at)) {
        const close = `</${node.name}>`;
        if (!source.startsWith(close, at)) fail(`expected ${close}`);
        at += close.length;
        return node;
      } else if (source[at] === "<") {
        node.children.push(element());
      } else {
        const end = source.indexOf("<", at);
        const raw = source.slice(at, end < 0 ? source.length : end);
        if (raw.includes(">") && /]]>/.test(raw)) fail("]]> in text");
        node.text += decode(raw);
        at += raw.length;
      }
    }
  };
  skipSpace();
  const root = element();
  skipSpace();
  if (at !== source.length) fail("content after the root element");
  return root;
}

/** Every element named `name` below `node`, depth first. */
export function findAll(node: XmlElement, name: string): XmlElement[] {
  return node.children.flatMap((c) => [...(c.name === name ? [c] : []), ...findAll(c, name)]);
}
