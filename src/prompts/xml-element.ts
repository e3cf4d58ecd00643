/**
 * One XML element read strictly (the <answer> element formats.ts asks for): nested elements, text, the predefined
 * and numeric entities, comments, CDATA. Mismatched or unclosed tags are syntax errors, so a broken answer is
 * reported as malformed. Attributes are read past, not kept (the answer shape has none).
 */

export class XmlSyntaxError extends Error {
  override readonly name = 'XmlSyntaxError';
}

export interface XmlElement {
  name: string;
  children: XmlElement[];
  /** The element's own text (its direct text and CDATA, entities decoded). */
  text: string;
}

const NAME = /^[A-Za-z_][\w.-]*/;
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** The element `text` starts with (leading whitespace allowed); what follows its closing tag is ignored. */
export function parseXmlElement(text: string): XmlElement {
  const reader = { text, at: 0 };
  skipSpace(reader);
  const element = readElement(reader);
  if (element === null) throw new XmlSyntaxError('no element at the start');
  return element;
}

interface Reader {
  text: string;
  at: number;
}

function skipSpace(reader: Reader): void {
  while (reader.at < reader.text.length && /\s/.test(reader.text[reader.at] as string)) reader.at++;
}

function readElement(reader: Reader): XmlElement | null {
  if (reader.text[reader.at] !== '<') return null;
  const name = NAME.exec(reader.text.slice(reader.at + 1))?.[0];
  if (name === undefined) throw new XmlSyntaxError(`"<" at offset ${reader.at} does not start a tag`);
  reader.at += 1 + name.length;
  const tagEnd = reader.text.indexOf('>', reader.at);
  if (tagEnd < 0) throw new XmlSyntaxError(`the tag <${name}> is not closed`);
  const selfClosing = reader.text[tagEnd - 1] === '/';
  reader.at = tagEnd + 1;
  const element: XmlElement = { name, children: [], text: '' };
  if (selfClosing) return element;
  for (;;) {
    if (reader.at >= reader.text.length) throw new XmlSyntaxError(`<${name}> is never closed`);
    const rest = reader.text.slice(reader.at);
    if (rest.startsWith('</')) {
      const closing = /^<\/([A-Za-z_][\w.-]*)\s*>/.exec(rest);
      if (!closing) throw new XmlSyntaxError(`a closing tag inside <${name}> is broken`);
      if (closing[1] !== name) throw new XmlSyntaxError(`<${name}> is closed by </${closing[1]}>`);
      reader.at += closing[0].length;
      return element;
    }
    if (rest.startsWith('<!--')) {
      const end = rest.indexOf('-->');
      if (end < 0) throw new XmlSyntaxError('a comment is not closed');
      reader.at += end + 3;
    } else if (rest.startsWith('<![CDATA[')) {
      const end = rest.indexOf(']]>');
      if (end < 0) throw new XmlSyntaxError('a CDATA section is not closed');
      element.text += rest.slice(9, end);
      reader.at += end + 3;
    } else if (rest.startsWith('<')) {
      element.children.push(readElement(reader) as XmlElement);
    } else {
      const next = rest.indexOf('<');
      const chunk = next < 0 ? rest : rest.slice(0, next);
      element.text += decodeEntities(chunk);
      reader.at += chunk.length;
    }
  }
}

function decodeEntities(text: string): string {
  return text.replace(/&([^;\s]*);?/g, (whole, entity: string) => {
    if (!whole.endsWith(';')) throw new XmlSyntaxError(`"&${entity}" is not an entity (escape & as &amp;)`);
    if (entity.startsWith('#x')) return String.fromCodePoint(parseInt(entity.slice(2), 16));
    if (entity.startsWith('#')) return String.fromCodePoint(parseInt(entity.slice(1), 10));
    const known = ENTITIES[entity];
    if (known === undefined) throw new XmlSyntaxError(`unknown entity &${entity};`);
    return known;
  });
}
