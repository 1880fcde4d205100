// Files that another program reads while lsvfio rewrites them (node_exporter's textfile collector, NFD's
// features.d): written whole to a dot-file in the same directory, flushed, then renamed over the target,
// so a reader sees the old file or the new one, never half of one. Both readers ignore dot-files.
import { createRequire } from 'node:module'
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs'
import path from 'node:path'
import { EnvironmentError } from '../errors.js'

export function writeAtomic(file: string, text: string, mode = 0o644): void {
  const dir = path.dirname(file)
  const tmp = path.join(dir, `.${path.basename(file)}.${tmpSuffix()}.tmp`)
  let fd: number | null = null
  try {
    fd = openSync(tmp, 'wx', mode)
    const buf = Buffer.from(text, 'utf8')
    for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off, buf.length - off)
    fsyncSync(fd)
    closeSync(fd)
    fd = null
    renameSync(tmp, file)
  } catch (e: unknown) {
    if (fd !== null) closeSync(fd)
    try {
      unlinkSync(tmp)
    } catch {
      // never created, or already renamed
    }
    const code = (e as { code?: string }).code ?? String(e)
    throw new EnvironmentError(`cannot write ${file}: ${code}; give a writable directory (the textfile collector's or features.d) with --output`)
  }
}

/** Six random bytes in hex. node:crypto is loaded here, when a file is written: loaded with the rest it
 * would cost every run its start-up (it brings the stream modules). */
function tmpSuffix(): string {
  const { randomBytes } = createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto')
  return randomBytes(6).toString('hex')
}
