// The snapshot file: every file-system read and every raw ioctl request and reply of one run.
// Keyed, not sequential, so a replay may ask the same questions in another order or fewer of them.
import { checkCompact, COMPACT_VERSION, type CompactDoc, expandSnapshot } from './compact.js'
import { FLAT_VERSION, isRecord, SNAPSHOT_FORMAT, type SnapshotDoc, snapshotHeader, unusable } from './doc.js'

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text)
  } catch (e: unknown) {
    return unusable(file, `invalid JSON: ${(e as Error).message}`)
  }
}

/** A snapshot file's text to a checked flat document; any defect is one EnvironmentError naming the file. */
export function parseSnapshot(text: string, file: string): SnapshotDoc {
  return validateSnapshot(parseJson(text, file), file)
}

/** For replay (--from): a version 2 file stays compact, checked but not expanded. */
export function readSnapshot(text: string, file: string): SnapshotDoc | CompactDoc {
  return checkSnapshot(parseJson(text, file), file)
}

export function checkSnapshot(x: unknown, file: string): SnapshotDoc | CompactDoc {
  if (isRecord(x) && x.format === SNAPSHOT_FORMAT && x.version === COMPACT_VERSION) return checkCompact(x, file)
  return validateSnapshot(x, file)
}

/** Checks the shape of a parsed snapshot: a corrupt file gets one clear message, never a crash later. */
export function validateSnapshot(x: unknown, file: string): SnapshotDoc {
  const bad = (why: string): never => unusable(file, why)
  if (!isRecord(x)) return bad('not a JSON object')
  if (x.format !== SNAPSHOT_FORMAT) return bad(`format is ${JSON.stringify(x.format)}, expected "${SNAPSHOT_FORMAT}"`)
  if (x.version === COMPACT_VERSION) return expandSnapshot(x, file)
  if (x.version !== FLAT_VERSION) return bad(`version ${JSON.stringify(x.version)}; this lsvfio reads versions ${FLAT_VERSION} and ${COMPACT_VERSION}`)
  for (const k of ['fs', 'open', 'ioctl', 'pread'] as const) if (!isRecord(x[k])) bad(`"${k}" is missing or not an object`)
  // for-in, not Object.entries: a snapshot of thousands of devices has hundreds of thousands of entries.
  const fs = x.fs as Record<string, unknown>
  for (const k in fs) {
    const v = fs[k]
    if (!isRecord(v) || !(('v' in v && (v.v === null || typeof v.v === 'string')) || ('e' in v && typeof v.e === 'string'))) bad(`fs entry "${k}" is malformed`)
  }
  const open = x.open as Record<string, unknown>
  for (const k in open) if (!Number.isSafeInteger(open[k])) bad(`open entry "${k}" is not an integer`)
  const ioctl = x.ioctl as Record<string, unknown>
  for (const k in ioctl) {
    const v = ioctl[k]
    if (!isRecord(v) || !Number.isSafeInteger(v.r) || (v.out !== undefined && typeof v.out !== 'string')) bad(`ioctl entry "${k}" is malformed`)
  }
  const pread = x.pread as Record<string, unknown>
  for (const k in pread) {
    const v = pread[k]
    if (typeof v !== 'string' && !Number.isSafeInteger(v)) bad(`pread entry "${k}" is malformed`)
  }
  return {
    ...snapshotHeader(x),
    version: FLAT_VERSION,
    fs: x.fs as SnapshotDoc['fs'],
    open: x.open as SnapshotDoc['open'],
    ioctl: x.ioctl as SnapshotDoc['ioctl'],
    pread: x.pread as SnapshotDoc['pread'],
  }
}
