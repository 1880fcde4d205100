// The composition root: the real host, a recording host (--save), a replaying host (--from) or a
// rooted tree (--sysfs-root). Nothing below cli/ chooses.
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs'
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
import type { Selection } from '../inspect/selection.js'
import type { Source } from './options.js'
import { parseArgs } from './program.js'
import type { ReplayOrigin } from './result.js'

export interface Composed {
  host: Host
  /** The snapshot to write when --save was given. */
  recording: Recording | null
  /** Lines for stderr about the host itself (a snapshot recorded with a selection). */
  notes: string[]
  /** The selection to use instead of the command line's (the one a snapshot was recorded with). */
  selection: Selection | null
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

/** The largest --from file: four times a generated 8,192-function snapshot (29 MB), and room for the
 * same host in the older, larger version 1 form. Documented in lsvfio(8). */
export const MAX_SNAPSHOT_BYTES = 128 * 1024 * 1024

/** Reads a snapshot: a regular file only, at most MAX_SNAPSHOT_BYTES. The file is opened without
 * blocking (a FIFO with no writer would wait forever) and checked with fstat on that same fd before a
 * byte is read, so a FIFO, /dev/zero, a directory or a huge file is one line, at once. */
export function loadSnapshot(file: string): SnapshotDoc | CompactDoc {
  const cannot = (why: string): never => {
    throw new EnvironmentError(`cannot read snapshot ${file}: ${why}; give the path of a file saved with lsvfio --save`)
  }
  let fd: number
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY)
  } catch (e: unknown) {
    return cannot((e as { code?: string }).code ?? 'EIO')
  }
  let text: string
  try {
    const st = fstatSync(fd)
    if (!st.isFile()) cannot(`not a regular file (${st.isDirectory() ? 'a directory' : st.isFIFO() ? 'a FIFO' : st.isCharacterDevice() ? 'a character device' : st.isSocket() ? 'a socket' : 'a special file'})`)
    if (st.size > MAX_SNAPSHOT_BYTES) cannot(`${st.size} bytes, more than the ${MAX_SNAPSHOT_BYTES / 1048576} MiB a snapshot may have`)
    // Bytes, then decode (Node 20's direct utf8 read took twice as long on a 64 MB snapshot). Read to
    // the size fstat gave: a file that grows meanwhile is cut there, never read without end.
    const buf = Buffer.allocUnsafe(st.size)
    let n = 0
    for (let r = 1; n < buf.length && r > 0; n += r) r = readSync(fd, buf, n, buf.length - n, null)
    text = buf.toString('utf8', 0, n)
  } catch (e: unknown) {
    if (e instanceof EnvironmentError) throw e
    return cannot((e as { code?: string }).code ?? 'EIO')
  } finally {
    closeSync(fd)
  }
  return readSnapshot(text, file)
}

const SELECTION_FLAGS: readonly [keyof Selection, string][] = [
  ['slot', '-s'],
  ['name', '-s'],
  ['id', '-d'],
  ['group', '-g'],
  ['driver', '--driver'],
]

const selects = (sel: Selection): string[] => [...new Set(SELECTION_FLAGS.filter(([k]) => sel[k] !== null).map(([, f]) => f))]

/** A snapshot recorded with -s/-d/-g/--driver holds only what was selected: replayed without a
 * selection, the rest of that host would be missing answers, so the recorded selection applies, and
 * one line says so. It names the options, never their values (the recorded command line is host text). */
export function recordedSelection(recordedArgv: readonly string[], now: Selection): { selection: Selection; note: string } | null {
  if (selects(now).length > 0) return null
  try {
    const p = parseArgs(recordedArgv, '')
    if (p.kind !== 'run' || !('selection' in p.options)) return null
    const flags = selects(p.options.selection)
    if (flags.length === 0) return null
    return { selection: p.options.selection, note: `note: this snapshot was recorded with a device selection (${flags.join(' ')}): showing the devices selected then; the rest of that host is not in it` }
  } catch {
    return null // a command line this version does not parse: nothing to say about it
  }
}

/** `selection`: the command line's, when the command has one (a replay may apply its recorded one). */
export function composeHost(o: Source, tool: string, argv: string[], now: Date, selection: Selection | null = null): Composed {
  const names = o.idFile == null ? loadSystemPciIds() : idFile(o.idFile)
  if (o.from !== null) {
    const doc = loadSnapshot(o.from)
    const rec = selection === null ? null : recordedSelection(doc.argv, selection)
    return { host: { fs: new ReplayFs(doc), sys: new ReplaySys(doc), names }, recording: null, notes: rec === null ? [] : [rec.note], selection: rec?.selection ?? null, replay: { file: o.from, tool: doc.tool, created: doc.created } }
  }
  const fs = new NodeFs(o.sysfsRoot ?? '')
  const sys = o.sysfsRoot === null ? new FfiSys() : NO_KERNEL
  if (o.save === null) return { host: { fs, sys, names }, recording: null, notes: [], selection: null }
  const rec = new Recording(tool, argv, now)
  return { host: { fs: new RecordingFs(fs, rec), sys: new RecordingSys(sys, rec), names }, recording: rec, notes: [], selection: null }
}
