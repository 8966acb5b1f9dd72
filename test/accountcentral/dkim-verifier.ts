// An independent DKIM verifier for the tests: mailauth, which shares no code with the signer
// (nodemailer's), through a DNS stub that answers the TXT records a test publishes (the
// resolver is the edge of the world).
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';

/** A DNS zone of TXT records, and the resolver mailauth asks. */
export class TxtZone {
  private readonly records = new Map<string, string>();
  publish(name: string, value: string): void {
    this.records.set(name.toLowerCase(), value);
  }
  resolver = async (name: string, type: string): Promise<string[][]> => {
    const value = type === 'TXT' ? this.records.get(name.toLowerCase()) : undefined;
    if (value === undefined) throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
    // Long records travel as 255-character strings; the verifier joins them.
    return [value.match(/.{1,255}/g) ?? []];
  };
}

export interface Verified {
  domain: string;
  selector: string;
  result: string;
  algorithm: string;
  canonicalization: string;
  /** The header fields signed, lower case, in the order of `h=`. */
  headers: string[];
}

/** Every DKIM-Signature of `message`, as mailauth judges it. */
export async function verify(message: string, zone: TxtZone): Promise<Verified[]> {
  const outcome = await dkimVerify(Buffer.from(message), { resolver: zone.resolver });
  return outcome.results.map((r: Record<string, any>) => ({
    domain: r.signingDomain, selector: r.selector, result: r.status?.result, algorithm: r.algo,
    canonicalization: r.format,
    headers: String(r.signingHeaders?.keys ?? '').split(':').map((h) => h.trim().toLowerCase()).filter(Boolean),
  }));
}

