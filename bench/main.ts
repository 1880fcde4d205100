// npm run bench [-- --only startup,scale,slope,ioctl,fleet] [--quick]
// Prints one table: each figure beside a baseline measured in the same run, the ratio and the goal.
// Needs a build (npm run bench builds first); lspci and a C compiler for the C baselines.
import { existsSync } from 'node:fs'
import path from 'node:path'
import { fleet } from './fleet.js'
import { ioctlLayer } from './ioctl.js'
import { phases } from './phases.js'
import { REPO } from './measure.js'
import { type Row, table } from './report.js'
import { scale } from './scale.js'
import { slope } from './slope.js'
import { startup } from './startup.js'

const args = process.argv.slice(2)
const quick = args.includes('--quick')
const onlyArg = args.find((a) => a.startsWith('--only'))
const only = onlyArg === undefined ? null : (onlyArg.includes('=') ? onlyArg.split('=')[1] : args[args.indexOf(onlyArg) + 1])?.split(',')
const want = (s: string): boolean => only === null || only?.includes(s) === true

// bench/scale.ts runs this file again as `--phases FILE` for the breakdown, in a fresh process.
if (args[0] === '--phases') {
  console.log(phases(args[1] ?? ''))
  process.exit(0)
}

if (!existsSync(path.join(REPO, 'dist/cli/main.js'))) {
  console.error('bench: no build; run npm run build (npm run bench does)')
  process.exit(1)
}

const sections: [string, () => Row[]][] = [
  ['startup', () => startup(quick ? 7 : 21)],
  ['ioctl', () => ioctlLayer(quick ? 3 : 7, quick ? 50_000 : 200_000)],
  ['slope', () => slope(quick ? 3 : 7, quick ? [128, 512] : [256, 2048])],
  ['scale', () => scale(quick ? 1 : 3, quick ? [1024, 4096] : [1024, 4096, 8192])],
  ['fleet', () => fleet(quick ? 1 : 3)],
]

const rows: Row[] = []
const t0 = performance.now()
for (const [name, f] of sections) {
  if (!want(name)) continue
  const t = performance.now()
  console.error(`bench: ${name}…`)
  try {
    rows.push(...f())
  } catch (e: unknown) {
    rows.push({ section: name, figure: 'failed', value: 'n/a', baseline: (e as Error).message.slice(0, 200), ratio: NaN, goal: '', met: false })
  }
  console.error(`bench: ${name} done in ${((performance.now() - t) / 1000).toFixed(0)} s`)
}
console.log(table(rows))
console.log(`\n${rows.filter((r) => r.met === true).length} of ${rows.filter((r) => r.met !== null).length} goals met; ${((performance.now() - t0) / 1000).toFixed(0)} s; node ${process.version}, ${quick ? 'quick' : 'full'} run`)
