// Where a scale run's time goes, measured once in this process on the same snapshot: reading the file,
// JSON.parse, validation, gathering (inspect over the replay), and each renderer. The note under the
// scale rows names the cause of a missed goal with these.
import { readFileSync } from 'node:fs'
import { parseArgs } from '../src/cli/program.js'
import { inspect } from '../src/inspect/inspect.js'
import { loadSystemPciIds } from '../src/inspect/pci-ids.js'
import { jsonText, toJson } from '../src/render/json.js'
import { plainStyle } from '../src/render/style.js'
import { renderText } from '../src/render/text.js'
import { checkSnapshot } from '../src/snapshot/format.js'
import { ReplayFs, ReplaySys } from '../src/snapshot/replay.js'
import { ms } from './report.js'

export function phases(file: string): string {
  const laps: [string, number][] = []
  let t = performance.now()
  const lap = (name: string): void => {
    const now = performance.now()
    laps.push([name, now - t])
    t = now
  }
  const text = readFileSync(file).toString('utf8') // as cli/compose.ts reads it
  lap('read')
  const parsed: unknown = JSON.parse(text)
  lap('JSON.parse')
  const doc = checkSnapshot(parsed, file)
  lap('validate')
  const p = parseArgs(['--from', file], 'bench')
  if (p.kind !== 'run' || p.options.command !== 'list') throw new Error('not a listing')
  const inv = inspect({ fs: new ReplayFs(doc), sys: new ReplaySys(doc), names: loadSystemPciIds() }, p.options.selection, p.options.gather).inventory
  lap('inspect')
  renderText(inv, { verbose: 0, numeric: 0, ascii: false }, plainStyle)
  lap('text')
  const out = jsonText(toJson(inv, { version: 'bench', opened: true }))
  lap(`json (${(out.length / 1e6).toFixed(0)} MB)`)
  return laps.map(([k, v]) => `${k} ${ms(v)}`).join(', ')
}
