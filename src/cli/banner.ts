// The first line of a replay's text output (the listing and check): what is shown was recorded elsewhere.
import type { Inventory } from '../model/types.js'
import type { ReplayOrigin } from './result.js'

/** The first line of a replay: what is shown was recorded elsewhere, when, and by what. */
export function replayBanner(r: ReplayOrigin, inv: Inventory): string {
  const when = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/.test(r.created) ? `${r.created.slice(0, 10)} ${r.created.slice(11, 19)} UTC` : 'at an unknown time'
  const kernel = inv.host.kernel != null ? ` on kernel ${visible(inv.host.kernel)}` : ''
  return `Replay of ${visible(r.file)}: recorded ${when} by ${visible(r.tool)}${kernel}; nothing on this host was read or opened`
}

/** A snapshot's strings are whatever its author wrote: control characters are shown, not sent to the terminal. */
const visible = (s: string): string => s.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
