// Key pairs and a message the DKIM tests share. Keys are made here with node:crypto, as a
// customer would make them with openssl.
import { generateKeyPairSync } from 'node:crypto';

export interface TestKeyPair {
  publicKey: string;
  privateKey: string;
  /** The base64 of the public key (SPKI DER): what a DNS record's p= holds. */
  p: string;
}

/** An RSA key pair in PEM (PKCS#8 private, SPKI public); 1024 bits keeps the tests quick. */
export function rsaPair(bits = 1024, format: 'pkcs8' | 'pkcs1' = 'pkcs8'): TestKeyPair {
  const pair = generateKeyPairSync('rsa', { modulusLength: bits });
  const spki = pair.publicKey.export({ type: 'spki', format: 'der' });
  return {
    publicKey: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKey: pair.privateKey.export({ type: format, format: 'pem' }).toString(),
    p: spki.toString('base64'),
  };
}

export const MESSAGE = [
  'From: "Ann Sender" <ann@shop.example.com>',
  'To: Bob <bob@inbox.example.net>',
  'Subject: Your order',
  'Date: Mon, 30 Nov 2026 01:00:00 +0000',
  'Message-ID: <order-1@shop.example.com>',
  'MIME-Version: 1.0',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'Thank you for your order.',
  'It ships tomorrow.',
  '',
].join('\r\n');
