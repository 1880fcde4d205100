// Mediated devices on real kernels: the kernel's sample mdev drivers (mtty, mdpy, mbochs, built by
// test/vm/kmod/build-mdev.sh) in the guest, six mdevs created through sysfs, one defined with mdevctl and
// not started, one group held open. lsvfio's JSON is compared field by field with sysfs, with mdevctl
// and with an independent reader of the same ioctls (guest/mdevread.c). One boot per kernel.
import { existsSync } from 'node:fs'
import path from 'node:path'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { describe, expect, it } from 'vitest'
import type { JsonDocument } from '../../src/render/json-types.js'
import { closed, loadSchema } from '../helpers/schema.js'
import { Ledger } from './compare.js'
import { compareMdevctl, compareMdevread, compareMdevSysfs, type MdevctlList, type MdevctlTypes, type MdevRead, type MdevWitness } from './compare-mdev.js'
import { REPO, vmAvailable } from './harness.js'
import { mdevKmod, runMdev } from './run-mdev.js'

const BOOT_TIMEOUT = 420_000
// a closed copy of the schema: a key the serializer writes but the schema does not declare fails
const validate = new Ajv2020({ allErrors: true, strict: true }).compile(closed(loadSchema('lsvfio.schema.json')))
const built = existsSync(path.join(REPO, 'dist/cli/main.js'))
const HELD = '11111111-0000-4000-8000-000000000002'
const DEFINED = '44444444-0000-4000-8000-000000000001'

for (const kernel of ['6.12', '7.3'] as const) {
  const avail = vmAvailable([kernel])
  const ready = avail.ok && built && existsSync(mdevKmod(kernel))
  const why = !built ? 'no build (npm run build)' : !avail.ok ? avail.why : `no ${mdevKmod(kernel)} (run: bash test/vm/setup.sh)`
  describe.skipIf(!ready)(`mediated devices on ${kernel}${ready ? '' : ` (skipped: ${why})`}`, () => {
    it(
      'mtty, mdpy, mbochs: 0 mismatches against sysfs, mdevctl and the ioctl witness',
      async () => {
        const run = await runMdev(kernel)
        const json = async <T>(name: string): Promise<T> => JSON.parse(await run.out(name)) as T
        const doc = await json<JsonDocument>('lsvfio.out')
        // --open names what it resets first; nothing else may be on stderr
        expect((await run.out('lsvfio.err')).replace(/^lsvfio: --open: opening up to \d+ VFIO devices? \(a busy group is left alone\);.*\n/, '').replace(/^lsvfio: saved \d+ answers to .*\n/m, '')).toBe('')
        expect(validate(doc), JSON.stringify(validate.errors?.slice(0, 5))).toBe(true)

        const sysfs = new Ledger()
        compareMdevSysfs(sysfs, doc, await json<MdevWitness>('mdev-witness.json'))
        const mdevctl = new Ledger()
        for (const f of ['mdevctl-types', 'mdevctl-list', 'mdevctl-defined']) expect(await run.out(`${f}.rc`), f).toBe('0\n')
        compareMdevctl(mdevctl, doc, await json<MdevctlTypes>('mdevctl-types.out'), await json<MdevctlList>('mdevctl-list.out'), await json<MdevctlList>('mdevctl-defined.out'))
        const ioctl = new Ledger()
        const uuids = (await run.out('mdevs.txt')).trim().split('\n').map((l) => l.split('\t')[0] ?? '').filter((u) => u !== HELD)
        for (const u of uuids) compareMdevread(ioctl, doc, await json<MdevRead>(`mdevread-${u}.out`))
        const report = (name: string, l: Ledger): string => `${name}: ${l.checks} fields, ${l.mismatches.length} mismatches${l.mismatches.length > 0 ? '\n' + l.report() : ''}`
        console.log(`[vm] ${kernel} mdev witnesses (${uuids.length + 1} mdevs, 3 parents):\n  ${report('sysfs', sysfs)}\n  ${report('mdevctl', mdevctl)}\n  ${report('ioctl', ioctl)}`)
        expect(sysfs.mismatches, sysfs.report()).toEqual([])
        expect(mdevctl.mismatches, mdevctl.report()).toEqual([])
        expect(ioctl.mismatches, ioctl.report()).toEqual([])
        expect(sysfs.checks).toBeGreaterThan(100)
        expect(mdevctl.checks).toBeGreaterThan(40)
        expect(ioctl.checks).toBeGreaterThan(100)

        // What the kernel exposes beyond PCI: mbochs' EDID region (type gfx, subtype edid) and the
        // display probes: mbochs exports dma-bufs, mdpy a region, mtty has no display.
        const dev = (u: string) => doc.groups.flatMap((g) => g.devices).find((d) => d.address === u)
        const view = (u: string) => {
          const v = dev(u)?.vfio
          return v?.state === 'ok' ? v.value : null
        }
        const edid = view('33333333-0000-4000-8000-000000000001')?.regions.find((r) => r.name === 'gfx/edid')
        expect(edid?.info).toMatchObject({ state: 'ok', value: { caps: [{ kind: 'type', typeName: 'gfx', subtypeName: 'edid' }] } })
        expect(view('33333333-0000-4000-8000-000000000001')?.gfx).toEqual({ state: 'ok', value: { dmabuf: true, region: false } })
        expect(view('22222222-0000-4000-8000-000000000001')?.gfx).toEqual({ state: 'ok', value: { dmabuf: false, region: true } })
        expect(view('11111111-0000-4000-8000-000000000001')?.gfx).toEqual({ state: 'ok', value: null })
        // A type at zero instances, and the held group: EBUSY with its holder.
        const types = doc.mdev?.parents.flatMap((p) => p.types) ?? []
        expect(types.find((t) => t.id === 'mbochs-large')?.availableInstances).toBe(0)
        const held = doc.groups.find((g) => g.devices.some((d) => d.address === HELD))
        expect(held?.status).toMatchObject({ state: 'failed', error: { op: 'open', code: 'EBUSY' } })
        expect(doc.mdev?.defined).toEqual([{ uuid: DEFINED, parent: 'mtty', type: 'mtty-1', start: 'manual', active: false, parentPresent: true }])
        // Every other mdev was opened and answered every probe (quirks aside): nothing failed outside the held group.
        for (const d of doc.groups.filter((g) => g !== held).flatMap((g) => g.devices).filter((x) => x.mdev !== undefined)) {
          const v = d.vfio?.state === 'ok' ? d.vfio.value : null
          expect(v, d.address).not.toBeNull()
          expect([...(v?.regions ?? []), ...(v?.irqs ?? [])].filter((e) => e.info.state === 'failed'), d.address).toEqual([])
        }

        // -s UUID: that mdev alone, with its parent.
        const sel = await json<JsonDocument>('lsvfio-sel.out')
        expect(sel.groups.flatMap((g) => g.devices.map((d) => d.address))).toEqual(['22222222-0000-4000-8000-000000000001'])
        expect(sel.mdev?.parents.map((p) => p.name)).toEqual(['mdpy'])
        // check: the mdevs are judged like every device (the held one busy); the defined one not created.
        const check = await run.out('lsvfio-check.out')
        expect(check).toContain('22222222-0000-4000-8000-000000000001')
        expect(check).toMatch(new RegExp(`${HELD}.*busy|busy[\\s\\S]*${HELD}`))
        expect(await run.out('lsvfio-check-defined.rc')).toBe('12\n')
        expect(await run.out('lsvfio-check-defined.out')).toContain(`mdevctl start -u ${DEFINED}`)
        // The text and tree views carry parents, types and the vGPU-like devices.
        const vv = await run.out('lsvfio-vv.out')
        expect(vv).toContain('Mediated device parents:')
        expect(vv).toMatch(/mbochs-large.*available 0/)
        expect(vv).not.toContain('no IOMMU protection')
        expect(await run.out('lsvfio-tree.out')).toContain('mdev parent mtty')
      },
      BOOT_TIMEOUT,
    )
  })
}
