// What one command run hands back to main.ts: the text to print and the exit status.
import type { Inventory } from '../model/types.js'

export interface RunResult {
  stdout: string
  stderr: string[]
  exitCode: number
  inventory: Inventory
}

/** What the run is told about itself: the version, its arguments, and for the JSON documents and the
 * fleet outputs the host name (null for a replay) and the time it ran. */
export interface RunMeta {
  version: string
  argv: string[]
  hostname?: string | null
  now?: Date
  /** Written to stderr at once (before the work): --open names the devices it will reset. */
  early?: (line: string) => void
  /** --from: the snapshot replayed, for the banner of the text views */
  replay?: ReplayOrigin | null
}

/** What --from replays: the file, and who recorded it when (the snapshot's own header). */
export interface ReplayOrigin {
  file: string
  tool: string
  created: string
}
