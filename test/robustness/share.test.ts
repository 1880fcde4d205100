// Snapshots are attached to public bug reports: a fake host full of secrets (a QEMU command line with
// -object secret and an rbd key, environments, an SSH key open in another user's process, /etc/passwd
// with GECOS names and phone numbers, rd.luks.key on the kernel command line, the --save path itself)
// is saved through the real binary, and neither the file's text nor any hex or blob in it decoded
// holds one of them, while the replay still names the holder, its user and its VM. Also how the file
// is written: 0600, never through a symlink, never over a file unless --force.
import { spawnSync } from 'node:child_process'
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { proc, rawLinks, self } from '../helpers/fake-proc.js'
import { makeTree, pciDevice } from '../helpers/fake-sysfs.js'

const REPO = path.resolve(import.meta.dirname, '../..')
const BIN = path.join(REPO, 'bin/lsvfio.js')
const cleanups: (() => void)[] = []
afterEach(() => cleanups.splice(0).forEach((c) => c()))

export const SECRETS = [
  'c2VjcmV0LXBhc3N3b3Jk', // -object secret,data=
  'AQBzZWNyZXRjZXBoa2V5', // rbd key=
  'cephx-admin-user',
  'AKIA-ENV-SECRET',
  'id_ed25519',
  '.ssh',
  'libvirt-secret.key',
  'Alice Secretname',
  '+1-555-0100',
  'Room 42',
  'bob-unrelated',
  'secretteam',
  'rd.luks.key',
  'luks-keyfile',
  'root=UUID',
  'save-dir-private',
  'sshd-session',
  'mdev-attr-secret',
]

function secretHost(): { root: string; out: string } {
  const qemu = proc({
    pid: 4242,
    comm: 'qemu-system-x86',
    uid: 64055,
    gid: 108,
    argv: ['/usr/bin/qemu-system-x86_64', '-name', 'guest=win10,debug-threads=on', '-object', 'secret,id=sec0,data=c2VjcmV0LXBhc3N3b3Jk,format=base64', '-drive', 'file=rbd:pool/disk:id=cephx-admin-user:key=AQBzZWNyZXRjZXBoa2V5,if=virtio', '-device', 'vfio-pci,host=0000:01:00.0'],
    fds: { 20: '/dev/vfio/12', 21: '/dev/vfio/vfio', 5: '/var/lib/libvirt/libvirt-secret.key' },
  })
  const agent = proc({ pid: 3000, comm: 'sshd-session', uid: 1000, argv: ['sshd-session: alice'], fds: { 3: '/home/alice/.ssh/id_ed25519' } })
  const t = makeTree({
    '/sys/class/iommu/dmar0/uevent': '',
    '/sys/module/vfio/refcnt': '1\n',
    '/sys/module/vfio_pci/refcnt': '1\n',
    '/dev/vfio/12': '',
    '/dev/vfio/vfio': '',
    '/proc/interrupts': ' 25:  0  IR-PCI-MSI-0000:00:10.0  0-edge  eth-private-name\n',
    '/proc/cmdline': 'BOOT_IMAGE=/vmlinuz root=UUID=1234 rd.luks.key=/luks-keyfile:UUID=99 intel_iommu=on iommu=pt vfio-pci.ids=10de:1b80 pcie_acs_override=downstream quiet\n',
    '/etc/passwd': ['root:x:0:0:root:/root:/bin/bash', 'alice:x:1000:1000:Alice Secretname,Room 42,+1-555-0100,:/home/alice:/bin/bash', 'bob-unrelated:x:1001:1001::/home/b:/bin/sh', 'libvirt-qemu:x:64055:108:Libvirt Qemu,,,:/var/lib/libvirt:/usr/sbin/nologin', ''].join('\n'),
    '/etc/group': ['root:x:0:', 'kvm:x:108:libvirt-qemu', 'secretteam:x:2000:alice', ''].join('\n'),
    '/proc/4242/environ': 'AWS=AKIA-ENV-SECRET\0',
    '/etc/mdevctl.d/0000:01:00.0/83b8f4f2-509f-382f-3c1e-e6bfe0fa1001': '{"mdev_type":"nvidia-63","start":"manual","attrs":[{"license":"mdev-attr-secret"}]}\n',
    '/proc/3000/environ': 'TOKEN=AKIA-ENV-SECRET\0',
    ...pciDevice({ bdf: '0000:01:00.0', vendor: 0x10de, device: 0x1b80, cls: 0x030000, driver: 'vfio-pci', group: 12 }),
    ...qemu,
    ...agent,
    ...self({ pid: 999, comm: 'node' }).tree,
  })
  rawLinks(t.root, { '/proc/self': '999' })
  cleanups.push(t.cleanup)
  const dir = path.join(t.root, 'save-dir-private')
  mkdirSync(dir)
  return { root: t.root, out: path.join(dir, 'snap.json') }
}

const lsvfio = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, LANG: 'C.UTF-8' } })

/** Every string in the file, and every hex string (blobs, bytes, replies) decoded as well. */
function everything(text: string): string[] {
  const out = [text]
  const walk = (x: unknown): void => {
    if (typeof x === 'string') {
      out.push(x)
      const hex = x.startsWith('@') ? null : x
      if (hex !== null && hex.length % 2 === 0 && /^[0-9a-f]+$/.test(hex)) out.push(Buffer.from(hex, 'hex').toString('latin1'))
    } else if (Array.isArray(x)) x.forEach(walk)
    else if (typeof x === 'object' && x !== null) for (const [k, v] of Object.entries(x)) (walk(k), walk(v))
  }
  walk(JSON.parse(text))
  return out
}

describe('--save on a host full of secrets', () => {
  it('keeps none of them, in the text or any decoded hex or blob, and the replay still names holder, user and VM', () => {
    const { root, out } = secretHost()
    const live = lsvfio('--sysfs-root', root, '-vv', '--save', out)
    expect(live.stderr).toMatch(/saved \d+ answers to .*snap\.json \(mode 0600\).*config space \(which can carry serial numbers\)/)
    expect(live.stdout).toContain('held by pid 4242 qemu-system-x86 VM "win10" (user libvirt-qemu)')
    const text = readFileSync(out, 'utf8')
    expect(JSON.parse(text)).toMatchObject({ format: 'lsvfio-snapshot', version: 2 })
    const all = everything(text)
    for (const s of SECRETS) expect(all.filter((x) => x.includes(s)).map((x) => x.slice(0, 200)), s).toEqual([])
    // what is needed is there: the VFIO fds, the IOMMU/VFIO parameters, the names of the ids shown
    expect(text).toContain('intel_iommu=on iommu=pt vfio-pci.ids=10de:1b80 pcie_acs_override=downstream\\n')
    expect(text).toContain('libvirt-qemu:x:64055:')
    expect(text).toContain('kvm:x:108:')
    const replay = lsvfio('--from', out, '-vv')
    expect(replay.stdout).toContain('held by pid 4242 qemu-system-x86 VM "win10" (user libvirt-qemu)')
    expect(replay.stdout).toContain('intel_iommu=on iommu=pt')
    // live and replay see the same holders and readiness
    const json = (r: { stdout: string }) => JSON.parse(r.stdout) as { diagnostics: { holders: unknown; readiness: unknown } }
    const a = json(lsvfio('--sysfs-root', root, '--json'))
    const b = json(lsvfio('--from', out, '--json'))
    expect(b.diagnostics.holders).toEqual(a.diagnostics.holders)
    expect(b.diagnostics.readiness).toEqual(a.diagnostics.readiness)
    // mdevctl's definitions keep their type and start policy, not their vendor attrs
    expect(text).toContain('nvidia-63')
    const mdev = (r: { stdout: string }) => (JSON.parse(r.stdout) as { mdev?: unknown }).mdev
    expect(mdev(lsvfio('--from', out, '--json'))).toEqual(mdev(lsvfio('--sysfs-root', root, '--json')))
    expect(mdev(lsvfio('--from', out, '--json'))).toMatchObject({ defined: [{ uuid: '83b8f4f2-509f-382f-3c1e-e6bfe0fa1001', type: 'nvidia-63' }] })
  })
})

describe('how --save writes', () => {
  it('mode 0600, no temporary file left, an existing file kept unless --force, a symlink never followed', () => {
    const { root, out } = secretHost()
    const dir = path.dirname(out)
    expect(lsvfio('--sysfs-root', root, '--save', out).status).toBe(0)
    expect(statSync(out).mode & 0o777).toBe(0o600)
    expect(readdirSync(dir)).toEqual(['snap.json'])
    writeFileSync(out, 'mine')
    const again = lsvfio('--sysfs-root', root, '--save', out)
    expect(again.status).toBe(1)
    expect(again.stderr).toBe(`lsvfio: --save ${out}: cannot write the snapshot: EEXIST (it exists; add --force to replace it); the listing above is complete, give a writable path to save it\n`)
    expect(readFileSync(out, 'utf8')).toBe('mine')
    expect(lsvfio('--sysfs-root', root, '--save', out, '--force').status).toBe(0)
    expect(readFileSync(out, 'utf8')).toContain('lsvfio-snapshot')
    // a symlink planted at the name (to a file the attacker wants overwritten): refused; with --force the link itself is replaced
    const victim = path.join(dir, 'victim')
    writeFileSync(victim, 'precious')
    const link = path.join(dir, 'link.json')
    symlinkSync(victim, link)
    expect(lsvfio('--sysfs-root', root, '--save', link).status).toBe(1)
    expect(lsvfio('--sysfs-root', root, '--save', link, '--force').status).toBe(0)
    expect(readFileSync(victim, 'utf8')).toBe('precious')
    expect(lstatSync(link).isSymbolicLink()).toBe(false)
    expect(readdirSync(dir).sort()).toEqual(['link.json', 'snap.json', 'victim'])
    // a dangling symlink is not followed either
    symlinkSync(path.join(dir, 'created-through-link'), path.join(dir, 'dangling.json'))
    expect(lsvfio('--sysfs-root', root, '--save', path.join(dir, 'dangling.json')).status).toBe(1)
    expect(existsSync(path.join(dir, 'created-through-link'))).toBe(false)
    // one line for a directory that cannot be written
    const r = lsvfio('--sysfs-root', root, '--save', path.join(dir, 'no-such-dir', 'x.json'))
    expect([r.status, r.stderr.split('\n').length]).toEqual([1, 2])
    expect(r.stderr).toMatch(/^lsvfio: --save .*: cannot write the snapshot: ENOENT \(its directory does not exist\)/)
  })

  it('--force alone is refused with the reason', () => {
    const r = lsvfio('--force')
    expect([r.status, r.stderr]).toEqual([1, "lsvfio: --force only says that --save may replace its FILE; give --save FILE too\n"])
  })
})
