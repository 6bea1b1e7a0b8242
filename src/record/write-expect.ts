/**
 * Writes a run's results into a scenario file as its `expect` block, leaving the rest of the file as
 * the person wrote it (comments, order, block scalars). Texts go in as literal blocks, so the file
 * reads like the terminal did.
 */
import { isMap, isScalar, parseDocument, Scalar, visit, YAMLMap, type Document } from 'yaml';
import type { Report } from '../report/report.js';

function literal(doc: Document, text: string): Scalar {
  const s = doc.createNode(text.replace(/[ \t]+$/gm, '')) as Scalar;
  // A literal block cannot hold an empty string: an empty capture is written as "".
  s.type = text.trim() === '' ? Scalar.QUOTE_DOUBLE : Scalar.BLOCK_LITERAL;
  if (text.trim() === '') s.value = '';
  return s;
}

/** The scenario file's text `source` with `report` as its expect block (replacing any there was). */
export function withExpectation(source: string, report: Pick<Report, 'captures' | 'output'>): string {
  const doc = parseDocument(source);
  if (!isMap(doc.contents)) throw new Error('a scenario file is a YAML mapping');
  const expect = new YAMLMap<string, unknown>();
  if (report.captures.length > 0) {
    const captures = new YAMLMap<string, Scalar>();
    for (const c of report.captures) captures.set(c.point, literal(doc, c.text));
    expect.set('captures', captures);
  }
  expect.set('output', literal(doc, report.output));
  doc.set('expect', expect);
  // Keys with '/' (NS/IF) stay plain; make sure no scalar key is quoted needlessly.
  visit(doc, { Pair: (_k, pair) => void (isScalar(pair.key) && (pair.key.type = Scalar.PLAIN)) });
  return doc.toString({ lineWidth: 0, blockQuote: 'literal' });
}
