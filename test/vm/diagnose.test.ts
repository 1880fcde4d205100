// The diagnostics on a real kernel (6.12) with real holders and a real unprivileged user, in one boot
// (guest/diagnose.sh): a non-viable group names its sibling and driver; groups held by a background
// process and by a paused QEMU name those pids (and the VM's -name); uid 1000 gets the permission
// verdict with a fix that works once applied; `lsvfio check` exits with the documented code each time.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { existsSync } from 'node:fs'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { beforeAll, describe, expect, it } from 'vitest'
import type { JsonCheckDocument } from '../../src/render/json-diagnose-types.js'
import type { JsonDocument } from '../../src/render/json-types.js'
import { bootGuest, readOut, REPO, vmAvailable, type BootResult } from './harness.js'
import { closed } from '../helpers/schema.js'

const built = existsSync(path.join(REPO, 'dist/cli/main.js'))
const avail = vmAvailable(['6.12'])
const schema = (f: string): object => JSON.parse(readFileSync(path.join(REPO, 'schema', f), 'utf8')) as object
const ajv = new Ajv2020({ allErrors: true, strict: true })
// closed copies: every key lsvfio writes must be declared
const validateList = ajv.compile(closed(schema('lsvfio.schema.json')))
const validateCheck = ajv.compile(closed(schema('lsvfio-check.schema.json')))

describe.skipIf(!avail.ok || !built)(`diagnostics on a real kernel${avail.ok && built ? '' : ` (skipped: ${built ? avail.why : 'no build (npm run build)'})`}`, () => {
  let boot: BootResult
  const out = (name: string): Promise<string> => readOut(boot.outDir, name)
  const rc = async (name: string): Promise<number> => Number((await out(`${name}.rc`)).trim())
  const check = async (name: string): Promise<JsonCheckDocument> => {
    const doc = JSON.parse(await out(`${name}.out`)) as JsonCheckDocument
    expect(validateCheck(doc), `${name}: ${JSON.stringify(validateCheck.errors?.slice(0, 3))}`).toBe(true)
    expect(doc.exitCode, name).toBe(await rc(name))
    return doc
  }

  beforeAll(async () => {
    boot = await bootGuest({ kernel: '6.12', devices: 'full', iommu: 'intel', scenario: 'test/vm/guest/diagnose.sh', keep: ['0000:07:02.0'], timeoutMs: 240_000 })
    console.log(`[vm] diagnose: ${boot.kver} ${boot.bootMs} ms, retried=${boot.retried}, scenario rc=${boot.rc}`)
    expect(boot.rc, await out('scenario.stderr').catch(() => '')).toBe(0)
  }, 600_000)

  it('names the background holder and the QEMU holder (pid, comm, user, VM name, memlock) in the listing', async () => {
    const doc = JSON.parse(await out('list-json.out')) as JsonDocument
    expect(validateList(doc), JSON.stringify(validateList.errors?.slice(0, 3))).toBe(true)
    const [gSleep, gQemu] = (await out('groups')).trim().split(' ').map(Number)
    const sleepPid = Number((await out('sleep.pid')).trim())
    const qemuPid = Number((await out('qemu.pid')).trim())
    expect(existsSync(path.join(boot.outDir, 'qemu.failed')), await out('qemu.log')).toBe(false)
    const holders = doc.diagnostics?.holders.holders ?? []
    expect(holders.find((h) => h.pid === sleepPid)).toMatchObject({ comm: 'sleep', user: 'root', uid: 0, vmName: null, fds: [{ fd: 3, target: `/dev/vfio/${gSleep}`, kind: 'group', group: gSleep }] })
    const q = holders.find((h) => h.pid === qemuPid)
    expect(q).toMatchObject({ comm: 'qemu-system-x86', vmName: 'lsvfio-vm', user: 'root', ipcLock: true })
    expect(q?.fds.map((f) => f.kind).sort()).toEqual(['container', 'device', 'group'])
    // QEMU pinned its 64 MiB of RAM for DMA: VmLck is past the 8 MiB limit, which CAP_IPC_LOCK lifts.
    expect(BigInt(q?.vmLck ?? '0x0')).toBeGreaterThanOrEqual(64n << 20n)
    expect(doc.diagnostics?.groups.find((g) => g.id === gSleep)?.holders).toEqual([sleepPid])
    expect(doc.diagnostics?.groups.find((g) => g.id === gQemu)?.holders).toEqual([qemuPid])
    // The EBUSY of the listing points at the holder.
    const busy = doc.groups.find((g) => g.id === gSleep)
    expect(busy?.status).toMatchObject({ state: 'failed', error: { code: 'EBUSY' } })
    expect(busy?.status?.state === 'failed' ? busy.status.error.hint : '').toContain(`pid ${sleepPid} (sleep, user root)`)
    const text = await out('list-v.out')
    expect(text).toContain(`held by pid ${qemuPid} qemu-system-x86 VM "lsvfio-vm" (user root)`)
    expect(holders.every((h) => h.pid !== doc.diagnostics?.self?.pid)).toBe(true)
  })

  it('explains the non-viable group: the sibling, its driver, the fix, the bridge', async () => {
    const doc = JSON.parse(await out('list-json.out')) as JsonDocument
    const g = doc.groups.find((x) => x.devices.some((d) => d.address === '0000:07:01.0'))
    const gd = doc.diagnostics?.groups.find((x) => x.id === g?.id)
    expect(gd?.blockers.map((b) => [b.address, b.driver, b.fix[0]])).toEqual([['0000:07:02.0', 'virtio-pci', 'driverctl set-override 0000:07:02.0 vfio-pci']])
    expect(gd?.isolation).toMatchObject({ reason: 'behind-bridge', bridge: '0000:06:00.0' })
    const nv = await check('check-notviable')
    expect(nv.exitCode).toBe(4)
    expect(nv.verdicts[0]?.reasons[0]).toMatchObject({ kind: 'not-viable', code: 4 })
    expect(nv.verdicts[0]?.reasons[0]?.text).toContain('0000:07:02.0 is bound to virtio-pci')
    // The override written while virtio-pci holds the device is stale until the next probe.
    expect(doc.diagnostics?.devices.find((d) => d.address === '0000:07:02.0')?.override).toMatchObject({ kind: 'bound-elsewhere' })
    const nb = await check('check-notbound')
    expect([nb.exitCode, nb.verdicts[0]?.reasons[0]?.kind, nb.verdicts[0]?.driver]).toEqual([3, 'not-bound', 'virtio-pci'])
    expect([await rc('check-quiet'), await out('check-quiet.out')]).toEqual([4, ''])
  })

  it('predicts the hot-reset scope from the topology, and the kernel (GET_PCI_HOT_RESET_INFO) agrees', async () => {
    const doc = JSON.parse(await out('list-json.out')) as JsonDocument
    const reset = (a: string) => doc.diagnostics?.devices.find((d) => d.address === a)?.reset
    // Behind the PCIe-to-PCI bridge 04:00.0: both functions go together.
    expect(reset('0000:05:01.0')).toMatchObject({ hotReset: { possible: true, bridge: '0000:04:00.0' }, kernelAgrees: true })
    expect(reset('0000:05:01.0')?.hotReset.devices.map((d) => d.address)).toEqual(['0000:05:01.0', '0000:05:02.0'])
    // Alone behind its root port; and on the root bus, where the kernel answers ENODEV.
    expect(reset('0000:01:00.0')).toMatchObject({ methods: ['flr', 'bus'], onOpen: 'flr', hotReset: { bridge: '0000:00:10.0' }, kernelAgrees: true })
    expect(reset('0000:00:05.0')).toMatchObject({ hotReset: { possible: false, devices: [] }, kernelAgrees: true })
    const agreed = (doc.diagnostics?.devices ?? []).filter((d) => d.reset?.kernelAgrees === true).length
    const opened = doc.groups.flatMap((g) => g.devices).filter((d) => d.vfio?.state === 'ok').length
    expect(agreed).toBe(opened)
    expect(doc.diagnostics?.readiness.interruptRemapping.state).toBe('enabled')
  })

  it('check: ready, busy by pid (predicted and from the kernel), and the first failing device decides', async () => {
    const sleepPid = Number((await out('sleep.pid')).trim())
    const qemuPid = Number((await out('qemu.pid')).trim())
    const ready = await check('check-ready')
    expect([ready.exitCode, ready.opened, ready.verdicts[0]?.ready, ready.verdicts[0]?.source]).toEqual([0, false, true, 'predicted'])
    const busy = await check('check-sleep')
    expect([busy.exitCode, busy.verdicts[0]?.reasons[0]?.kind]).toEqual([5, 'busy'])
    expect(busy.verdicts[0]?.reasons[0]?.text).toContain(`pid ${sleepPid} (sleep, user root)`)
    const qemu = await check('check-qemu')
    expect(qemu.exitCode).toBe(5)
    expect(qemu.verdicts[0]?.reasons[0]?.text).toContain(`pid ${qemuPid} (qemu-system-x86, VM "lsvfio-vm", user root)`)
    expect(await out('check-qemu-text.out')).toMatch(/^0000:00:03\.0 {2}NOT READY: busy/)
    const openReady = await check('check-open-ready')
    expect([openReady.exitCode, openReady.opened, openReady.verdicts[0]?.source]).toEqual([0, true, 'kernel'])
    const openBusy = await check('check-open-busy')
    expect([openBusy.exitCode, openBusy.verdicts[0]?.source, openBusy.verdicts[0]?.reasons[0]?.kind]).toEqual([5, 'kernel', 'busy'])
    expect(openBusy.verdicts[0]?.reasons[0]?.text).toContain('EBUSY')
    // No selection: every VFIO device, in address order; 00:03.0 (busy) is the first that is not ready.
    expect(await rc('check-all')).toBe(5)
    expect(await out('check-all.out')).toMatch(/^0000:00:03\.0 {2}NOT READY: busy/)
  })

  it('uid 1000: permission verdict with a fix that works; other users\' processes are counted as hidden', async () => {
    const [, , gUser] = (await out('groups')).trim().split(' ').map(Number)
    const list = JSON.parse(await out('user-list-json.out')) as JsonDocument
    expect(list.diagnostics?.self).toMatchObject({ uid: 1000, gid: 1000, capabilities: { dacOverride: false, sysRawio: false, ipcLock: false } })
    expect(list.diagnostics?.holders.hidden).toBeGreaterThan(0)
    expect(list.diagnostics?.readiness.findings.find((f) => f.id === 'holders')?.level).toBe('warn')
    const denied = await check('user-check')
    expect([denied.exitCode, denied.verdicts[0]?.reasons[0]?.kind]).toEqual([6, 'permission'])
    const r = denied.verdicts[0]?.reasons[0]
    expect(r?.text).toContain(`/dev/vfio/${gUser}`)
    expect(r?.fix[0]).toMatch(new RegExp(`^sudo chown \\S+ /dev/vfio/${gUser}`))
    const deniedOpen = await check('user-check-open')
    expect([deniedOpen.exitCode, deniedOpen.verdicts[0]?.source, deniedOpen.verdicts[0]?.reasons[0]?.text]).toEqual([6, 'kernel', expect.stringContaining('EACCES')])
    expect(await out('user-node-before.txt')).toMatch(/^crw------- 1 0 0 /)
    const fixed = await check('user-check-fixed')
    expect([fixed.exitCode, fixed.verdicts[0]?.ready]).toEqual([0, true])
    const fixedOpen = await check('user-check-fixed-open')
    expect([fixedOpen.exitCode, fixedOpen.verdicts[0]?.source]).toEqual([0, 'kernel'])
  })
})
