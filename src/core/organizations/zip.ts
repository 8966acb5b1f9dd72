// A strict reader for the zip archives people upload (themes). Written here, on node:zlib,
// rather than taken from a package: it reads only what a theme needs (stored or deflated
// files, no encryption, no ZIP64, no multi-disk) and checks what general readers trust.
// Every size is bounded before anything is inflated: the number of entries, each file's
// size and the total as the central directory declares them, then the real output of
// inflating (capped at the declared size, so a lying header cannot make a bomb), and each
// file's CRC. Entries whose data overlap (the "overlapping files" bomb) are refused.
import { crc32, inflateRawSync } from 'node:zlib';

export interface ZipLimits {
  maxEntries: number;
  maxFileBytes: number;
  maxTotalBytes: number;
}

export interface ZipEntry {
  /** The name as written in the archive; the caller judges it. */
  name: string;
  content: Buffer;
}

/** Why an archive was refused: `kind` lets the caller choose its error code. */
export class ZipRefused extends Error {
  constructor(readonly kind: 'malformed' | 'too_large', message: string) {
    super(message);
  }
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;

function malformed(message: string): ZipRefused {
  return new ZipRefused('malformed', message);
}

function findEndRecord(zip: Buffer): number {
  // The record is 22 bytes plus a comment of at most 65535 bytes, at the very end.
  const lowest = Math.max(0, zip.length - 22 - 0xffff);
  for (let at = zip.length - 22; at >= lowest; at--) {
    if (zip.readUInt32LE(at) === EOCD && at + 22 + zip.readUInt16LE(at + 20) === zip.length) return at;
  }
  throw malformed('The file is not a zip archive (no end of central directory record).');
}

/** Reads every file of the archive (directories are skipped), or throws ZipRefused. */
export function readZip(zip: Buffer, limits: ZipLimits): ZipEntry[] {
  if (zip.length < 22) throw malformed('The file is not a zip archive.');
  const end = findEndRecord(zip);
  const disk = zip.readUInt16LE(end + 4);
  const cdDisk = zip.readUInt16LE(end + 6);
  const onDisk = zip.readUInt16LE(end + 8);
  const count = zip.readUInt16LE(end + 10);
  const cdSize = zip.readUInt32LE(end + 12);
  const cdOffset = zip.readUInt32LE(end + 16);
  if (disk !== 0 || cdDisk !== 0 || onDisk !== count) throw malformed('Archives split over several files are not accepted.');
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) throw malformed('ZIP64 archives are not accepted.');
  if (count > limits.maxEntries) throw new ZipRefused('too_large', `The archive holds ${count} entries; at most ${limits.maxEntries} are accepted.`);
  if (cdOffset + cdSize > end) throw malformed('The central directory lies outside the file.');

  interface Header { name: string; method: number; crc: number; compressed: number; size: number; local: number; directory: boolean }
  const headers: Header[] = [];
  let at = cdOffset;
  let declaredTotal = 0;
  for (let i = 0; i < count; i++) {
    if (at + 46 > end || zip.readUInt32LE(at) !== CENTRAL) throw malformed('The central directory is damaged.');
    const madeBy = zip.readUInt16LE(at + 4) >> 8;
    const flags = zip.readUInt16LE(at + 8);
    const method = zip.readUInt16LE(at + 10);
    const crc = zip.readUInt32LE(at + 16);
    const compressed = zip.readUInt32LE(at + 20);
    const size = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const external = zip.readUInt32LE(at + 38);
    const local = zip.readUInt32LE(at + 42);
    const next = at + 46 + nameLength + extraLength + commentLength;
    if (next > end) throw malformed('The central directory is damaged.');
    let name: string;
    try {
      name = new TextDecoder('utf-8', { fatal: true }).decode(zip.subarray(at + 46, at + 46 + nameLength));
    } catch {
      throw malformed('A file name in the archive is not valid UTF-8.');
    }
    if (flags & 0x1) throw malformed(`${name} is encrypted; encrypted archives are not accepted.`);
    // Unix-made archives keep the mode in the upper half of the external attributes.
    if (madeBy === 3 && ((external >>> 16) & S_IFMT) === S_IFLNK) throw malformed(`${name} is a symbolic link; links are not accepted.`);
    const directory = name.endsWith('/');
    if (!directory && method !== 0 && method !== 8) throw malformed(`${name} uses a compression method other than deflate.`);
    if (!directory) {
      if (size > limits.maxFileBytes) throw new ZipRefused('too_large', `${name} is ${size} bytes once unpacked; at most ${limits.maxFileBytes} are accepted per file.`);
      declaredTotal += size;
      if (declaredTotal > limits.maxTotalBytes) throw new ZipRefused('too_large', `The archive unpacks to more than ${limits.maxTotalBytes} bytes.`);
    }
    headers.push({ name, method, crc, compressed, size, local, directory });
    at = next;
  }

  // Data ranges in file order: each must end before the next starts, and before the directory.
  const ranges = headers.filter((h) => !h.directory).map((h) => {
    if (h.local + 30 > cdOffset || zip.readUInt32LE(h.local) !== LOCAL) throw malformed(`The local header of ${h.name} is damaged.`);
    const start = h.local + 30 + zip.readUInt16LE(h.local + 26) + zip.readUInt16LE(h.local + 28);
    return { header: h, start, end: start + h.compressed };
  }).sort((a, b) => a.start - b.start);
  for (let i = 0; i < ranges.length; i++) {
    const limit = i + 1 < ranges.length ? ranges[i + 1]!.header.local : cdOffset;
    if (ranges[i]!.end > limit) throw malformed('Files in the archive overlap or run past its directory.');
  }

  const seen = new Set<string>();
  return ranges.map(({ header, start, end: stop }) => {
    if (seen.has(header.name)) throw malformed(`${header.name} is in the archive twice.`);
    seen.add(header.name);
    const raw = zip.subarray(start, stop);
    let content: Buffer;
    if (header.method === 0) {
      content = Buffer.from(raw);
    } else {
      try {
        // One byte more than declared: a file that inflates past its size is caught, not cut.
        content = inflateRawSync(raw, { maxOutputLength: Math.max(1, header.size + 1) });
      } catch {
        throw malformed(`${header.name} could not be unpacked, or unpacks to more than its declared size.`);
      }
    }
    if (content.length !== header.size) throw malformed(`${header.name} does not unpack to its declared size.`);
    if ((crc32(content) >>> 0) !== header.crc) throw malformed(`${header.name} fails its checksum.`);
    return { name: header.name, content };
  });
}
