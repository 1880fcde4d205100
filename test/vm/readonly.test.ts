// Read-only and leak-free on a real kernel (one 6.12 boot, guest/readonly.sh): lsvfio runs in every
// mode, opening every VFIO device; every ioctl it recorded is on the read-only list; no PCI device's
// driver or driver_override changed; after each run, and after each SIGINT mid-run, every group can be
// opened again at once (a group fd left open anywhere would answer EBUSY).
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseSnapshot } from '../../src/snapshot/format.js'
import { issuedInSnapshot, notReadOnly } from '../robustness/read-only-list.js'
import { bootGuest, REPO, vmAvailable } from './harness.js'

const built = existsSync(path.join(REPO, 'dist/cli/main.js'))
const avail = vmAvailable(['6.12'])
const why = !built ? 'no build (npm run build)' : avail.why

describe.skipIf(!avail.ok || !built)(`read-only and no leaks on a real 6.12 kernel${avail.ok && built ? '' : ` (skipped: ${why})`}`, () => {
  it(
    'every mode: read-only ioctls only, bindings unchanged, every group free again after each run and each SIGINT',
    async () => {
      // 07:02.0 stays on virtio-pci: its group is not viable, and lsvfio must not try to "fix" that.
      const boot = await bootGuest({ kernel: '6.12', devices: 'full', iommu: 'intel', scenario: 'test/vm/guest/readonly.sh', keep: ['0000:07:02.0'], timeoutMs: 600_000 })
      const out = (f: string): string => readFileSync(path.join(boot.outDir, f), 'utf8')
      const files = readdirSync(boot.outDir)
      expect(boot.rc, out('scenario.stderr')).toBe(0)

      // 1. What reached the kernel, in every mode, is read-only.
      const modes = files.filter((f) => /^mode-\d+\.args$/.test(f)).map((f) => f.replace('.args', ''))
      expect(modes.length).toBe(8)
      let ioctls = 0
      for (const m of modes) {
        const rc = Number(out(`${m}.rc`).trim())
        // check's statuses (lsvfio check --help): 3 not bound, 4 not viable are this guest's facts; 5 (busy) would not be
        const allowed = out(`${m}.args`).startsWith('check') ? [0, 3, 4] : [0, 2]
        expect(allowed, `${out(`${m}.args`)}: ${out(`${m}.err`)}`).toContain(rc)
        const snap = parseSnapshot(out(`${m}.snapshot.json`), `${m}.snapshot.json`)
        const issued = issuedInSnapshot(Object.keys(snap.ioctl))
        expect(issued.map((i) => [i.key, notReadOnly(i)]).filter(([, w]) => w !== null), out(`${m}.args`)).toEqual([])
        ioctls += issued.length
      }
      expect(ioctls).toBeGreaterThan(500)

      // 2. No binding or driver_override changed.
      const before = out('bindings.before')
      expect(before.split('\n').filter((l) => l.includes('driver=vfio-pci')).length).toBeGreaterThanOrEqual(10)
      expect(out('bindings.after')).toBe(before)

      // 3. Every group can be opened again at once, after every run and every interrupted run.
      const groups = out('dev-vfio.txt').split('\n').filter((n) => /^(noiommu-)?\d+$/.test(n))
      expect(groups.length).toBeGreaterThanOrEqual(10)
      const reopens = files.filter((f) => f.startsWith('reopen-'))
      expect(reopens.length).toBe(8 + 6)
      for (const f of reopens) expect(out(f).trim().split('\n').sort(), f).toEqual(groups.map((g) => `${g} ok`).sort())

      // 4. SIGINT: 130 whenever it landed before the end, and at least one did land mid-run.
      const sigints = files.filter((f) => /^sigint-\d+\.rc$/.test(f)).map((f) => ({ rc: Number(out(f).trim()), err: out(f.replace('.rc', '.err')) }))
      expect(sigints.length).toBe(6)
      for (const s of sigints) {
        expect([0, 2, 130], s.err).toContain(s.rc)
        expect(s.err).not.toMatch(/^\s+at /m)
      }
      expect(sigints.filter((s) => s.rc === 130).length).toBeGreaterThanOrEqual(1)
      console.log(`[vm] readonly: ${modes.length} modes, ${ioctls} ioctls, ${groups.length} groups; SIGINT rcs ${sigints.map((s) => s.rc).join(' ')}`)
    },
    900_000,
  )
})
