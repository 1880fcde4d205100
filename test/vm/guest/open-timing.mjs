// --open's gathering timed in one process (test/vm/concurrent-open.test.ts), without start-up noise: one
// device; all of them one group after another (inspect); all side by side (inspectConcurrently).
// Alternating, ROUNDS times; one JSON line per round on stdout. UV_THREADPOOL_SIZE comes from the caller.
const repo = process.env.REPO
const { inspect, inspectConcurrently } = await import(`${repo}/dist/inspect/inspect.js`)
const { NodeFs } = await import(`${repo}/dist/inspect/node-fs.js`)
const { FfiSys } = await import(`${repo}/dist/kernel/ffi-sys.js`)
const { ALL, parseSlot } = await import(`${repo}/dist/inspect/selection.js`)

const ROUNDS = Number(process.env.ROUNDS ?? 5)
const gather = { open: true, via: 'group', configBytes: 256, readRegion: null, diagnose: false, raw: false }
const host = () => ({ fs: new NodeFs(''), sys: new FfiSys(), names: null })
const one = { ...ALL, ...parseSlot(process.env.ONE ?? '01:00.0') }
const opened = (g) => g.inventory.groups.flatMap((x) => x.devices).filter((d) => d.vfio?.ok === true).length

async function timed(f) {
  const t = performance.now()
  const g = await f()
  return { ms: Math.round(performance.now() - t), opened: opened(g) }
}

await timed(() => inspect(host(), one, gather)) // koffi loaded, caches warm
for (let r = 1; r <= ROUNDS; r++) {
  const a = await timed(() => inspect(host(), one, gather))
  const s = await timed(() => inspect(host(), ALL, gather))
  const c = await timed(() => inspectConcurrently(host(), ALL, gather))
  console.log(JSON.stringify({ round: r, one: a, serial: s, together: c }))
}
