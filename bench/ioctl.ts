// The ioctl layer: the cost of one FfiSys.ioctl (koffi into libc's ioctl, errno captured) against a C
// loop (native/ioctl-loop.c) making the same call on the same kind of fd. There is no VFIO here, so
// the call is FIONREAD on a FIFO (any fd answers it, it changes nothing), with a pointer argument as
// VFIO's info ioctls take. Goal: ≤ 1.3× C.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { FfiSys } from '../src/kernel/ffi-sys.js'
import { native, stats } from './measure.js'
import { ns, type Row } from './report.js'

const FIONREAD = 0x541b

function jsPerCall(sys: FfiSys, fd: number, calls: number): number {
  const arg = { kind: 'buf' as const, buf: new Uint8Array(4) }
  const t0 = process.hrtime.bigint()
  let r = 0
  for (let i = 0; i < calls; i++) r = sys.ioctl(fd, FIONREAD, arg)
  const t = Number(process.hrtime.bigint() - t0) / calls
  if (r !== 0) throw new Error(`FIONREAD returned ${r}`)
  return t
}

export function ioctlLayer(rounds: number, calls = 200_000): Row[] {
  const loop = native('ioctl-loop')
  const dir = mkdtempSync(path.join(tmpdir(), 'lsvfio-bench-ioctl-'))
  try {
    const fifo = path.join(dir, 'fifo')
    if (spawnSync('mkfifo', [fifo]).status !== 0 || loop === null) {
      return [{ section: 'ioctl', figure: 'FfiSys.ioctl per call', value: 'n/a', baseline: loop === null ? 'no C compiler' : 'mkfifo failed', ratio: NaN, goal: '≤ 1.3×', met: null }]
    }
    const sys = new FfiSys()
    // O_RDWR on a FIFO does not block on Linux (the same open the C loop does).
    const fd = sys.open(fifo, 'rw')
    if (fd < 0) throw new Error(`open ${fifo}: ${-fd}`)
    try {
      jsPerCall(sys, fd, 20_000) // koffi loaded and the loop optimised before timing
      const js: number[] = []
      const c: number[] = []
      // Interleaved rounds: the C loop and ours see the same machine load.
      for (let i = 0; i < rounds; i++) {
        const out = spawnSync(loop, [fifo, FIONREAD.toString(16), '4', String(calls)], { encoding: 'utf8' })
        const m = /"ns_per_call": ([\d.]+), "result": (-?\d+)/.exec(out.stdout)
        if (m === null || m[2] !== '0') throw new Error(`ioctl-loop: ${out.stdout}${out.stderr}`)
        c.push(Number(m[1]))
        js.push(jsPerCall(sys, fd, calls))
      }
      const j = stats(js)
      const b = stats(c)
      return [
        {
          section: 'ioctl',
          figure: 'FfiSys.ioctl(FIONREAD, 4-byte buffer) per call',
          value: `min ${ns(j.min)} / med ${ns(j.median)}`,
          baseline: `C loop: min ${ns(b.min)} / med ${ns(b.median)}`,
          ratio: j.min / b.min,
          goal: '≤ 1.3×',
          met: j.min / b.min <= 1.3,
          note: `median ratio ${(j.median / b.median).toFixed(2)}×; ${rounds} interleaved rounds of ${calls.toLocaleString('en')} calls`,
          cause: `koffi's fixed cost per foreign call, ${ns(j.min - b.min)} here (the JS-to-C transition and argument marshalling); the syscall is the C loop's ${ns(b.min)}. A faster path would need a compiled N-API addon (node-gyp on every install), which the FFI decision rules out`,
        },
      ]
    } finally {
      sys.close(fd)
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
