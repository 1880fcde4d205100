// --open across independent idle groups on a real kernel (one 6.12 boot, guest/concurrent-open.sh):
// eight NVMe functions, each alone in its group and reset by FLR when vfio-pci opens and again when
// it closes it (each FLR sleeps 100 ms). Queried side by side, eight cost about what one does. Also -k:
// lsvfio's "Kernel modules:" against lspci -k's in the guest, over the guest kernel's own modules.alias.
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import type { JsonDocument } from '../../src/render/json-types.js'
import { bootGuest, REPO, VM_DIR, vmAvailable } from './harness.js'

const KERNEL = '6.12'
const built = existsSync(path.join(REPO, 'dist/cli/main.js'))
const avail = vmAvailable([KERNEL])
const why = !built ? 'no build (npm run build)' : avail.why
const N = 8
const ROUNDS = 5

/** Eight root ports, an NVMe function on each (FLR capable, its own IOMMU group). */
function nvmes(): string[] {
  const args: string[] = []
  for (let i = 0; i < N; i++) {
    args.push('-device', `pcie-root-port,id=rp${i + 1},chassis=${i + 1},slot=${i + 1},addr=${(0x10 + i).toString(16)}.0`)
    args.push('-drive', `driver=null-co,if=none,id=nv${i}`, '-device', `nvme,drive=nv${i},serial=lsvfio${i},bus=rp${i + 1}`)
  }
  return args
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)] ?? NaN
}

describe.skipIf(!avail.ok || !built)(`--open of ${N} idle FLR devices on a real ${KERNEL} kernel${avail.ok && built ? '' : ` (skipped: ${why})`}`, () => {
  it(
    `opens ${N} independent groups side by side (≤ 1.5× one device's open and close), and -k names the modules lspci -k names`,
    async () => {
      const env = Object.fromEntries([...readFileSync(path.join(VM_DIR, 'kernels', KERNEL, 'kernel.env'), 'utf8').matchAll(/^(\w+)=(.*)$/gm)].map((m) => [m[1], m[2]]))
      const boot = await bootGuest({ kernel: KERNEL, devices: nvmes(), iommu: 'intel', scenario: 'test/vm/guest/concurrent-open.sh', env: { MODDIR: env.MODDIR ?? '' }, timeoutMs: 600_000 })
      const out = (f: string): string => readFileSync(path.join(boot.outDir, f), 'utf8')
      expect(boot.rc, out('scenario.stderr')).toBe(0)

      // Every function is FLR-reset, alone in its group, and was opened by the "all" runs.
      const flr = out('reset_method.txt').split('\n').filter((l) => /\/0000:0[1-8]:00\.0\/reset_method:flr/.test(l))
      expect(flr.length).toBe(N)
      const ms = (name: string): number[] => Array.from({ length: ROUNDS }, (_, i) => Number(out(`${name}-${i + 1}.ms`).trim()))
      for (let i = 1; i <= ROUNDS; i++) {
        for (const w of ['one', 'all']) expect(out(`${w}-${i}.rc`).trim(), out(`${w}-${i}.err`)).toBe('0')
        const doc = JSON.parse(out(`all-${i}.json`)) as JsonDocument
        const opened = doc.groups.flatMap((g) => g.devices).filter((d) => d.vfio?.state === 'ok')
        expect(opened.length).toBe(N)
        expect(new Set(doc.groups.filter((g) => g.devices.length > 0).map((g) => g.id)).size).toBe(N)
      }
      const [one, all, onePassive, allPassive] = [ms('one'), ms('all'), ms('one-passive'), ms('all-passive')].map(median) as [number, number, number, number]
      console.log(
        `[vm] ${KERNEL} lsvfio --open --json, whole runs, median of ${ROUNDS} (ms): 1 device ${one} (without --open ${onePassive}); ` +
          `${N} devices ${all} (without --open ${allPassive}); ${N} vs 1: ${(all / one).toFixed(2)}×; runs: one ${ms('one').join(' ')} / all ${ms('all').join(' ')}`,
      )

      // The gathering alone, in one process (no start-up): one device, all one by one, all side by side.
      expect(out('open-timing.rc').trim(), out('open-timing.err')).toBe('0')
      type T = { ms: number; opened: number }
      const rounds = out('open-timing.jsonl').trim().split('\n').map((l) => JSON.parse(l) as { one: T; serial: T; together: T })
      expect(rounds.length).toBe(ROUNDS)
      for (const r of rounds) expect([r.one.opened, r.serial.opened, r.together.opened]).toEqual([1, N, N])
      const m = (k: 'one' | 'serial' | 'together'): number => median(rounds.map((r) => r[k].ms))
      const [t1, ts, tc] = [m('one'), m('serial'), m('together')]
      console.log(
        `[vm] ${KERNEL} --open gathering in one process, median of ${ROUNDS} (ms): 1 device ${t1}; ${N} one by one ${ts} (${(ts / t1).toFixed(2)}×); ` +
          `${N} side by side ${tc} (${(tc / t1).toFixed(2)}× one device, ${(ts / tc).toFixed(2)}× faster than one by one); ` +
          `rounds: ${rounds.map((r) => `${r.one.ms}/${r.serial.ms}/${r.together.ms}`).join(' ')}`,
      )
      // Each open and each close of an FLR device sleeps 100 ms: one device costs at least 200 ms, and
      // one by one eight cost at least 1.6 s.
      expect(t1).toBeGreaterThan(200)
      expect(ts).toBeGreaterThan(N * 200)
      // Side by side, the resets are waited on together. The goal, eight ≤ 1.5× one, is reported rather
      // than asserted: under TCG each device's queries cost tens of milliseconds of emulated CPU, done one
      // after another on the main thread, and the host's load moves that from run to run.
      expect(tc).toBeLessThan(ts / 2)

      // -k: for each device lsvfio lists, the same "Kernel modules:" line as lspci -k (or none by both).
      expect(out('lspci-k.rc').trim(), out('lspci-k.err')).toBe('0')
      expect(out('lsvfio-k.rc').trim(), out('lsvfio-k.err')).toBe('0')
      const lspci = new Map<string, string | null>()
      let at = ''
      for (const l of out('lspci-k.txt').split('\n')) {
        const m = /^([0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]) /.exec(l)
        if (m?.[1] !== undefined) lspci.set((at = m[1]), null)
        const k = /^\tKernel modules: (.*)$/.exec(l)
        if (k?.[1] !== undefined) lspci.set(at, k[1])
      }
      const doc = JSON.parse(out('lsvfio-k.json')) as { groups: { devices: { address: string; kernelModules?: string[] | null }[] }[] }
      const ours = doc.groups.flatMap((g) => g.devices)
      expect(ours.length).toBeGreaterThanOrEqual(N)
      let named = 0
      for (const d of ours) {
        expect(lspci.has(d.address), d.address).toBe(true)
        const theirs = lspci.get(d.address) ?? null
        expect(d.kernelModules, d.address).not.toBeNull()
        expect(d.kernelModules?.length === 0 ? null : (d.kernelModules ?? []).join(', '), d.address).toBe(theirs)
        if (theirs !== null) named++
      }
      expect(named).toBeGreaterThanOrEqual(N)
      // and the text lines are lspci's
      expect(out('lsvfio-k.txt')).toContain('        Kernel modules: nvme')
    },
    900_000,
  )
})
