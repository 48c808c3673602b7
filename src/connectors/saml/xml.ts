import { DOMParser } from '@xmldom/xmldom';

/**
 * The one XML parser of the SAML connector: @xmldom/xmldom, the parser node-saml and xml-crypto
 * use, so the tree Tessera checks is the tree the signature was verified on (no parser
 * differential, CVES.md CVE-2025-25291 class). Plus the small DOM helpers the checks need.
 */

/** SAML 2.0 namespaces (SAML Core §1.2). */
export const NS = {
  protocol: 'urn:oasis:names:tc:SAML:2.0:protocol',
  assertion: 'urn:oasis:names:tc:SAML:2.0:assertion',
  dsig: 'http://www.w3.org/2000/09/xmldsig#',
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
  metadata: 'urn:oasis:names:tc:SAML:2.0:metadata',
} as const;

/** A parsed element (xmldom's DOM). */
export type XmlElement = Element;

/** Thrown by {@link parseXml} for anything that is not well-formed XML with a single root element. */
export class XmlMalformed extends Error {}

/**
 * Parses a document. Any parser error or warning (several roots, unclosed tags, bad entities) is
 * fatal. The caller has refused DOCTYPEs already (see {@link hasDoctype}).
 * @throws XmlMalformed
 */
export function parseXml(xml: string): Document {
  const fail = (msg: unknown): never => {
    throw new XmlMalformed(String(msg));
  };
  let doc: Document;
  try {
    doc = new DOMParser({ locator: {}, errorHandler: { warning: fail, error: fail, fatalError: fail } }).parseFromString(xml, 'text/xml') as unknown as Document;
  } catch (e) {
    throw e instanceof XmlMalformed ? e : new XmlMalformed((e as Error).message);
  }
  if (!doc || !doc.documentElement) throw new XmlMalformed('no root element');
  let roots = 0;
  for (let n = doc.firstChild; n; n = n.nextSibling) if (n.nodeType === 1) roots++;
  if (roots !== 1) throw new XmlMalformed('several root elements');
  return doc;
}

/** True when the text declares a DTD or entities; refused before any parsing (CVES.md XXE / billion laughs). */
export function hasDoctype(xml: string): boolean {
  return /<!DOCTYPE|<!ENTITY/i.test(xml);
}

/** The element children of `el` (in document order). */
export function children(el: Element): Element[] {
  const out: Element[] = [];
  for (let n = el.firstChild; n; n = n.nextSibling) if (n.nodeType === 1) out.push(n as Element);
  return out;
}

/** Children of `el` named `local` in namespace `ns`. */
export function childrenNamed(el: Element, ns: string, local: string): Element[] {
  return children(el).filter((c) => c.localName === local && c.namespaceURI === ns);
}

/** The first child of `el` named `local` in `ns`, or undefined. */
export function child(el: Element, ns: string, local: string): Element | undefined {
  return childrenNamed(el, ns, local)[0];
}

/** Every descendant element of `root` (itself included) named `local` in `ns`. */
export function descendants(root: Element, ns: string, local: string): Element[] {
  const out: Element[] = [];
  const walk = (el: Element): void => {
    if (el.localName === local && el.namespaceURI === ns) out.push(el);
    for (const c of children(el)) walk(c);
  };
  walk(root);
  return out;
}

/** Every element of the tree. */
export function allElements(root: Element): Element[] {
  const out: Element[] = [];
  const walk = (el: Element): void => {
    out.push(el);
    for (const c of children(el)) walk(c);
  };
  walk(root);
  return out;
}

/** An attribute value, or undefined when absent (xmldom answers '' for absent attributes). */
export function attr(el: Element | undefined, name: string): string | undefined {
  return el && el.hasAttribute(name) ? el.getAttribute(name) ?? undefined : undefined;
}

/**
 * The whole text of an element: every text and CDATA node of the element joined, comments and
 * processing instructions skipped (CVE-2017-11427 class: `a@b<!---->.evil` reads `a@b.evil`,
 * never the first text node alone).
 */
export function text(el: Element | undefined): string | undefined {
  if (!el) return undefined;
  return el.textContent ?? '';
}
