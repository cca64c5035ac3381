/**
 * Whether two domains belong together the way DMARC's relaxed alignment means (RFC 7489
 * §3.1.2): the same, or one a subdomain of the other (a bounce or list domain of the same
 * organisation). Without a public suffix list this also pairs a name with its suffix
 * (`shop.co.uk` with `co.uk`), which no one sends from or receives at.
 */
export function domainsAligned(a: string, b: string): boolean {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x === y || x.endsWith(`.${y}`) || y.endsWith(`.${x}`);
}

/** The domain of an address (after its last @), lowercase. */
export function domainOfAddress(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}
