// The composition root: the real host, a recording host (--save), a replaying host (--from) or a
// rooted tree (--sysfs-root). Nothing below cli/ chooses.
import { readFileSync } from 'node:fs'
import { EnvironmentError, UsageError } from '../errors.js'
import type { Host } from '../inspect/host.js'
import { NodeFs } from '../inspect/node-fs.js'
import { loadSystemPciIds, type NameDb, openPciIds } from '../inspect/pci-ids.js'
import { FfiSys } from '../kernel/ffi-sys.js'
import type { Sys } from '../kernel/sys.js'
import type { CompactDoc } from '../snapshot/compact.js'
import type { SnapshotDoc } from '../snapshot/doc.js'
import { readSnapshot } from '../snapshot/format.js'
import { Recording, RecordingFs, RecordingSys } from '../snapshot/record.js'
import { ReplayFs, ReplaySys } from '../snapshot/replay.js'
import type { Source } from './options.js'
import type { ReplayOrigin } from './result.js'

export interface Composed {
  host: Host
  /** The snapshot to write when --save was given. */
  recording: Recording | null
  /** What --from replays: who recorded it and when. */
  replay?: ReplayOrigin | null
}

/** -i FILE: unlike the search path, a file the user named must be there. */
function idFile(file: string): NameDb {
  try {
    return openPciIds(file)
  } catch (e: unknown) {
    const code = (e as { code?: string }).code ?? 'EIO'
    throw new UsageError(`-i ${file}: cannot read the PCI ID database: ${code}; give a pci.ids file (plain or gzip-compressed)`)
  }
}

/** A kernel seam for a tree with no kernel behind it: every open fails as on a host without the node. */
const NO_KERNEL: Sys = {
  open: () => -2,
  close: () => {},
  ioctl: () => -9,
  pread: () => -9,
}

export function loadSnapshot(file: string): SnapshotDoc | CompactDoc {
  let text: string
  try {
    // bytes, then decode: Node 20's direct utf8 read took twice as long on a 64 MB snapshot
    text = readFileSync(file).toString('utf8')
  } catch (e: unknown) {
    const code = (e as { code?: string }).code ?? 'EIO'
    throw new EnvironmentError(`cannot read snapshot ${file}: ${code}; give the path of a file saved with lsvfio --save`)
  }
  return readSnapshot(text, file)
}

export function composeHost(o: Source, tool: string, argv: string[], now: Date): Composed {
  const names = o.idFile == null ? loadSystemPciIds() : idFile(o.idFile)
  if (o.from !== null) {
    const doc = loadSnapshot(o.from)
    return { host: { fs: new ReplayFs(doc), sys: new ReplaySys(doc), names }, recording: null, replay: { file: o.from, tool: doc.tool, created: doc.created } }
  }
  const fs = new NodeFs(o.sysfsRoot ?? '')
  const sys = o.sysfsRoot === null ? new FfiSys() : NO_KERNEL
  if (o.save === null) return { host: { fs, sys, names }, recording: null }
  const rec = new Recording(tool, argv, now)
  return { host: { fs: new RecordingFs(fs, rec), sys: new RecordingSys(sys, rec), names }, recording: rec }
}
