// The diagnostics on the snapshots captured from real kernels (test/fixtures, recaptured by
// test/vm/capture-fixtures.test.ts): the busy.sh holder named on the EBUSY, the non-viable sibling,
// the kernel agreeing with the predicted hot-reset scope, no-IOMMU mode reported from sysfs, cdev and
// iommufd seen; and `lsvfio check --from` exiting with the documented codes on those hosts.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import type { JsonCheckDocument } from '../../src/render/json-diagnose-types.js'
import type { JsonDocument } from '../../src/render/json-types.js'

const REPO = path.resolve(import.meta.dirname, '../..')
const BIN = path.join(REPO, 'bin/lsvfio.js')
const FIX = path.join(REPO, 'test/fixtures')
const built = existsSync(path.join(REPO, 'dist/cli/main.js'))
const live = (dir: string): JsonDocument => JSON.parse(readFileSync(path.join(FIX, dir, 'lsvfio.json'), 'utf8')) as JsonDocument

function check(dir: string, ...args: string[]): { doc: JsonCheckDocument; status: number | null } {
  const r = spawnSync(process.execPath, [BIN, 'check', '--from', path.join(FIX, dir, 'snapshot.json'), '--json', ...args], { encoding: 'utf8' })
  expect(r.stderr).toBe('')
  return { doc: JSON.parse(r.stdout) as JsonCheckDocument, status: r.status }
}

describe.each(['x86-6.1', 'x86-6.12', 'x86-7.3'])('real-kernel fixture %s (group 2 held by busy.sh, 07:02.0 on virtio-pci)', (dir) => {
  const doc = live(dir)
  const d = doc.diagnostics

  it('names the holder on the EBUSY, and the non-viable sibling with its fix', () => {
    const sleep = d?.holders.holders.find((h) => h.comm === 'sleep')
    expect(sleep).toMatchObject({ user: 'root', fds: [{ target: '/dev/vfio/2', kind: 'group', group: 2 }] })
    expect(d?.holders.hidden).toBe(0)
    const g2 = doc.groups.find((g) => g.id === 2)
    expect(g2?.status?.state === 'failed' && g2.status.error.hint).toBe(`group 2 is open in pid ${sleep?.pid} (sleep, user root); stop it (or wait for it to exit) first`)
    const nv = d?.groups.find((g) => g.blockers.some((b) => b.fix.length > 0))
    expect(nv?.blockers.map((b) => [b.address, b.driver, b.fix[0]])).toEqual([['0000:07:02.0', 'virtio-pci', 'driverctl set-override 0000:07:02.0 vfio-pci']])
    // The 9p transports are the guest's own virtio-pci devices: not viable, but nothing to fix.
    expect(d?.groups.find((g) => g.blockers.some((b) => b.address === '0000:00:1d.0'))?.blockers[0]?.fix).toEqual([])
    expect(nv?.isolation).toMatchObject({ reason: 'behind-bridge', bridge: '0000:06:00.0' })
  })

  it('predicts every opened device\'s hot-reset scope as the kernel reports it', () => {
    const opened = doc.groups.flatMap((g) => g.devices).filter((x) => x.vfio?.state === 'ok').map((x) => x.address)
    expect(opened.length).toBeGreaterThan(5)
    for (const a of opened) expect(d?.devices.find((x) => x.address === a)?.reset?.kernelAgrees, a).toBe(true)
  })

  it.skipIf(!built)('check --from: 0 ready, 3 not bound, 4 not viable, 5 busy', () => {
    expect(check(dir, '-s', '01:00.0')).toMatchObject({ status: 0, doc: { exitCode: 0, verdicts: [{ ready: true }] } })
    expect(check(dir, '-s', '07:02.0').status).toBe(3)
    const nv = check(dir, '-s', '07:01.0')
    expect([nv.status, nv.doc.verdicts[0]?.reasons[0]?.text]).toEqual([4, 'group 18 is not viable: 0000:07:02.0 is bound to virtio-pci'])
    const busy = check(dir, '-s', '00:04.0')
    expect(busy.status).toBe(5)
    expect(busy.doc.verdicts[0]?.reasons[0]?.text).toMatch(/^group 2 is open in pid \d+ \(sleep, user root\)$/)
  })
})

describe('real-kernel fixture x86-6.12-noiommu', () => {
  const d = live('x86-6.12-noiommu').diagnostics

  it('reports no-IOMMU mode from sysfs: the parameter, the noiommu-N nodes, the taint warning', () => {
    expect(d?.readiness.noiommu.enabled).toBe(true)
    expect(d?.readiness.noiommu.nodes.length).toBeGreaterThanOrEqual(10)
    expect(d?.readiness.noiommu.nodes.every((n) => /^noiommu-\d+$/.test(n))).toBe(true)
    expect(d?.readiness.findings.find((f) => f.id === 'noiommu')).toMatchObject({ level: 'warn', text: expect.stringContaining('the kernel is tainted') })
    // No vIOMMU means no remapping; irrelevant to no-IOMMU containers, so not reported as a problem.
    expect(d?.readiness.findings.find((f) => f.id === 'interrupt-remapping')).toBeUndefined()
    expect(d?.readiness.iommu.enabled).toBe(false)
  })

  it.skipIf(!built)('check --from: 8, only in a no-IOMMU group', () => {
    const r = check('x86-6.12-noiommu', '-s', '01:00.0')
    expect([r.status, r.doc.verdicts[0]?.reasons.map((x) => x.kind)]).toEqual([8, ['noiommu-only']])
  })
})

describe('real-kernel fixture x86-6.12-cdev', () => {
  it('sees the device cdevs and /dev/iommu', () => {
    const d = live('x86-6.12-cdev').diagnostics
    expect(d?.readiness.cdev).toBe('available')
    expect(d?.readiness.iommufd).toEqual({ loaded: true, node: true })
  })
})
