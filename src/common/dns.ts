/**
 * DNS names as Tessera compares them: lowercase ASCII (IDNs in their punycode form), LDH labels
 * of 1–63 characters, at most 253 in all (RFC 1123 §2.1, RFC 5890 §2.3.2.1), and a top-level
 * label that is not all digits (RFC 1123 §2.1, RFC 3696 §2), so an IP address is never a domain.
 * The one pattern used by configuration (trust and home-realm domains) and by email normalisation.
 */
const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const DNS_NAME = new RegExp(`^(?=.{1,253}$)(?:${LABEL}\\.)*(?=[a-z0-9-]*[a-z])${LABEL}$`);

/**
 * True when `name` is a lowercase ASCII DNS name with at least `minLabels` labels (default 1;
 * email domains use 2, as a bare host name is no mail domain).
 */
export function isDnsName(name: string, minLabels = 1): boolean {
  return DNS_NAME.test(name) && name.split('.').length >= minLabels;
}
