/**
 * A small reader for the XML documents S3 answers with (lifecycle configuration, bucket ACL).
 *
 * Why not minio's own parsers: minio v8 parses with fast-xml-parser's number parsing on, so a
 * lifecycle rule `<ID>007</ID>` or `<Prefix>0</Prefix>` comes back as the number 7 or 0, and text
 * is trimmed. Writing such a foreign rule back would change it. Here every element keeps its raw
 * source text, so a rule that is not ours is written back byte for byte.
 *
 * Handles elements, attributes (ignored), text with the five predefined entities and numeric
 * character references, CDATA, comments and processing instructions. No DTDs.
 */
export interface XmlElement {
  /** local name, without a namespace prefix */
  readonly name: string;
  readonly children: XmlElement[];
  /** the decoded text directly inside this element (not its children's) */
  text: string;
  /** the element's source text, from `<` of its start tag to `>` of its end tag */
  raw: string;
}

export class XmlSyntaxError extends Error {
  override readonly name = 'XmlSyntaxError';
}

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|lt|gt|amp|quot|apos);/g, (_whole, entity: string) => {
    switch (entity) {
      case 'lt':
        return '<';
      case 'gt':
        return '>';
      case 'amp':
        return '&';
      case 'quot':
        return '"';
      case 'apos':
        return "'";
      default:
        return String.fromCodePoint(entity.startsWith('#x') ? parseInt(entity.slice(2), 16) : parseInt(entity.slice(1), 10));
    }
  });
}

/** Escapes text for an XML element's content. */
export function escapeXmlText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function localName(qualified: string): string {
  const colon = qualified.indexOf(':');
  return colon === -1 ? qualified : qualified.slice(colon + 1);
}

/** Parses a document and returns its root element. Throws `XmlSyntaxError` on malformed input. */
export function parseXml(source: string): XmlElement {
  const stack: { element: XmlElement; start: number }[] = [];
  let root: XmlElement | undefined;
  let i = 0;
  const fail = (why: string): never => {
    throw new XmlSyntaxError(`${why} at offset ${i}`);
  };
  while (i < source.length) {
    const lt = source.indexOf('<', i);
    if (lt === -1) {
      if (source.slice(i).trim() !== '') fail('text outside the root element');
      break;
    }
    if (lt > i) {
      const top = stack[stack.length - 1];
      const text = source.slice(i, lt);
      if (top) top.element.text += decodeEntities(text);
      else if (text.trim() !== '') fail('text outside the root element');
    }
    i = lt;
    if (source.startsWith('<?', i)) {
      const end = source.indexOf('?>', i);
      if (end === -1) fail('unterminated processing instruction');
      i = end + 2;
    } else if (source.startsWith('<!--', i)) {
      const end = source.indexOf('-->', i);
      if (end === -1) fail('unterminated comment');
      i = end + 3;
    } else if (source.startsWith('<![CDATA[', i)) {
      const end = source.indexOf(']]>', i);
      if (end === -1) fail('unterminated CDATA');
      const top = stack[stack.length - 1];
      if (top) top.element.text += source.slice(i + 9, end);
      i = end + 3;
    } else if (source.startsWith('<!', i)) {
      fail('DTDs are not supported');
    } else if (source.startsWith('</', i)) {
      const end = source.indexOf('>', i);
      if (end === -1) fail('unterminated end tag');
      const name = localName(source.slice(i + 2, end).trim());
      const open = stack.pop();
      if (!open || open.element.name !== name) fail(`unexpected </${name}>`);
      const element = open!.element;
      element.raw = source.slice(open!.start, end + 1);
      i = end + 1;
      if (stack.length === 0) root = element;
    } else {
      // a start tag; attribute values may hold `>` inside quotes
      let j = i + 1;
      let quote: string | undefined;
      while (j < source.length) {
        const c = source[j]!;
        if (quote) {
          if (c === quote) quote = undefined;
        } else if (c === '"' || c === "'") quote = c;
        else if (c === '>') break;
        j++;
      }
      if (j >= source.length) fail('unterminated start tag');
      const selfClosing = source[j - 1] === '/';
      const inner = source.slice(i + 1, selfClosing ? j - 1 : j);
      const nameMatch = /^[^\s/>]+/.exec(inner);
      if (!nameMatch) fail('start tag without a name');
      const element: XmlElement = { name: localName(nameMatch![0]), children: [], text: '', raw: '' };
      const parent = stack[stack.length - 1];
      if (parent) parent.element.children.push(element);
      else if (root) fail('a second root element');
      if (selfClosing) {
        element.raw = source.slice(i, j + 1);
        if (!parent) root = element;
      } else {
        stack.push({ element, start: i });
      }
      i = j + 1;
    }
  }
  if (stack.length > 0) fail(`unclosed <${stack[stack.length - 1]!.element.name}>`);
  if (!root) fail('no root element');
  return root!;
}

/** The first child named `name`, if any. */
export function child(element: XmlElement | undefined, name: string): XmlElement | undefined {
  return element?.children.find((c) => c.name === name);
}

/** Every child named `name`. */
export function childrenNamed(element: XmlElement, name: string): XmlElement[] {
  return element.children.filter((c) => c.name === name);
}
