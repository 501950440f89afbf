/** The XML reader keeps each element's source text, so foreign lifecycle rules round-trip exactly. */
import { describe, expect, it } from 'vitest';
import { child, childrenNamed, escapeXmlText, parseXml, XmlSyntaxError } from '../../../source/backends/s3/xml-elements';

describe('reading S3 XML', () => {
  it('keeps text as text (no numbers, no trimming) and raw source per element', () => {
    const source = '<?xml version="1.0"?>\n<!-- c --><a xmlns="x" k=\'v>w\'><ID>007</ID><P> 0 </P><e/><s3:Q>&lt;&#65;&#x42;&amp;</s3:Q><![CDATA[<raw>]]></a>';
    const root = parseXml(source);
    expect(root.name).toBe('a');
    expect(child(root, 'ID')!.text).toBe('007');
    expect(child(root, 'P')!.text).toBe(' 0 ');
    expect(child(root, 'P')!.raw).toBe('<P> 0 </P>');
    expect(child(root, 'e')!.raw).toBe('<e/>');
    expect(child(root, 'Q')!.text).toBe('<AB&');
    expect(root.text).toBe('<raw>');
    expect(childrenNamed(root, 'ID')).toHaveLength(1);
  });

  it('refuses malformed documents', () => {
    for (const bad of ['', '<a>', '<a></b>', 'text', '<a/><b/>', '<!DOCTYPE a><a/>']) expect(() => parseXml(bad), bad).toThrow(XmlSyntaxError);
  });

  it('escapes text', () => {
    expect(escapeXmlText('a<b>&c')).toBe('a&lt;b&gt;&amp;c');
  });
});
