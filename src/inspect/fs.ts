// The file-system seam: sysfs, /dev and /proc are read only through this interface, so tests can point
// it at a temp tree and --save/--from can record and replay it.
import { EnvironmentError } from '../errors.js'

export interface NodeStat {
  mode: number
  uid: number
  gid: number
  /** "major:minor" for device nodes, "" otherwise */
  rdev: string
  kind: 'char' | 'block' | 'dir' | 'file' | 'link' | 'other'
}

/** A failure other than "absent": EACCES, EIO … Absent paths are null, not errors. Readers that can
 * go on catch it; one that reaches the top means the host cannot be inspected (exit 1, one line). */
export class FsError extends EnvironmentError {
  constructor(
    readonly code: string,
    readonly path: string,
  ) {
    super(`cannot read ${path}: ${code}`)
  }
}

export interface FsReader {
  /** File contents as text, or null when the file does not exist. */
  readText(path: string): string | null
  /** Raw bytes (device-tree properties, config space), or null when absent; at most `max` bytes from
   * the start when given (config space: only the part that is compared). */
  readBytes(path: string, max?: number): Uint8Array | null
  /** Target of a symlink, or null when absent or not a link. */
  readLink(path: string): string | null
  /** Directory entries sorted by name, or null when absent. */
  list(dir: string): string[] | null
  /** lstat-like facts, or null when absent. */
  stat(path: string): NodeStat | null
}
