// Boots a Debian arm64 kernel under qemu-system-aarch64 -machine virt (TCG) with platform and AMBA
// devices bound to vfio-platform / vfio-amba in no-IOMMU mode, and runs one scenario in it with Node
// for arm64 (test/vm/arm64/README.md). The host root is shared
// read-only over 9p (the checkout is bound at its host path); results come back through a writable
// 9p share. Exit: semihosting SYS_EXIT (qemu's status = the scenario's rc) plus an rc file written
// last. Set-up: `bash test/vm/arm64/setup.sh`.
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { bootTwice, guestArgs, newRun, ninePArgs, onPath, pruneRuns, qemuVersion as qemuVersionOf } from '../qemu.js'

const HERE = path.dirname(fileURLToPath(import.meta.url))
export const REPO = path.resolve(HERE, '../../..')
export const VM_DIR = process.env['LSVFIO_VM_DIR'] ?? path.join(REPO, '.vm')
export const ARM64_DIR = path.join(VM_DIR, 'arm64')
const QEMU = 'qemu-system-aarch64'

/** -cpu max is much slower under TCG (QARMA pointer authentication); pauth=off is not. */
const MACHINE = ['-machine', 'virt', '-accel', 'tcg', '-cpu', 'max,pauth=off', '-smp', '1'] as const

/**
 * The default device set: QEMU virt's own nodes plus the nested ones of dt/lsvfio-virt.dtsi.
 * bus:name as the guest's sysfs names them; a003e00 carries the virtio-rng backend; 00:03.0 is an
 * edu PCI device with a DT node under the host bridge (PCI devices with an of_node). The PL061 stays
 * on gpio-pl061: the DT makes it an interrupt controller that a002600 and a002800 use.
 */
export const DEFAULT_BIND = [
  'platform:a000000.virtio_mmio',
  'platform:a003e00.virtio_mmio',
  'platform:9020000.fw-cfg',
  'platform:gpio-keys',
  'platform:a003c00.acme-widget',
  'platform:a003a00.virtio_mmio',
  'platform:a003600.dual',
  'platform:a002200.chip',
  'platform:a002600.flagged',
  'platform:a002800.port',
  'platform:a002a00.port',
  'platform:a002c00.port',
  'amba:9010000.pl031',
  'pci:0000:00:03.0',
] as const

export interface Arm64BootOptions {
  /** busybox sh script, absolute or relative to the repository */
  scenario: string
  /** bus:name list (platform → vfio-platform, amba → vfio-amba, pci → vfio-pci); default DEFAULT_BIND */
  bind?: readonly string[]
  /** exported to the scenario on top of OUT, REPO, PATH, HOME, LSVFIO_VM_KVER */
  env?: Record<string, string>
  /** 'custom' = QEMU's DT + dt/lsvfio-virt.dtsi (default), 'qemu' = QEMU's own DT */
  dtb?: 'custom' | 'qemu'
  /** extra QEMU arguments (devices) */
  qemuArgs?: readonly string[]
  /** extra -machine virt properties, e.g. 'iommu=smmuv3,gic-version=3' (only with dtb 'qemu' or firmware 'uefi') */
  machine?: string
  /** 'uefi': boot through EDK2 (qemu-efi-aarch64) so the kernel takes QEMU's ACPI tables (IORT) instead of a DT */
  firmware?: 'uefi'
  /** per attempt; default 120 s */
  timeoutMs?: number
  memoryMb?: number
}

export interface Arm64BootResult {
  outDir: string
  rc: number
  /** wall time of the successful qemu run, start to exit */
  bootMs: number
  serialLog: string
  retried: boolean
  kver: string
  runDir: string
  /** null when the cached file was used */
  initramfsBuildMs: number | null
  dtbBuildMs: number | null
}

export class Arm64BootError extends Error {
  constructor(
    message: string,
    readonly runDir: string,
  ) {
    super(message)
    this.name = 'Arm64BootError'
  }
}

/** What is missing to boot, in words a skip message can print. */
export function arm64Available(): { ok: boolean; why: string } {
  if (process.env['LSVFIO_SKIP_VM'] === '1') return { ok: false, why: 'LSVFIO_SKIP_VM=1' }
  const missing: string[] = []
  if (onPath(QEMU) === null) missing.push(`${QEMU} not on PATH`)
  if (onPath('dtc') === null) missing.push('dtc not on PATH')
  if (!existsSync(path.join(ARM64_DIR, 'READY'))) missing.push(`no arm64 kernel/modules/node in ${ARM64_DIR}`)
  if (missing.length === 0) return { ok: true, why: `ready: ${kernelVersion()}` }
  return { ok: false, why: `${missing.join('; ')} (run: bash test/vm/arm64/setup.sh)` }
}

/** QEMU's EDK2 build for virt (Debian qemu-efi-aarch64), or null when it is not installed. */
export const UEFI_FIRMWARE = '/usr/share/qemu-efi-aarch64/QEMU_EFI.fd'
export function uefiAvailable(): { ok: boolean; why: string } {
  return existsSync(UEFI_FIRMWARE) ? { ok: true, why: UEFI_FIRMWARE } : { ok: false, why: `no ${UEFI_FIRMWARE} (apt package qemu-efi-aarch64; run: bash test/vm/arm64/setup.sh)` }
}

export function kernelVersion(): string {
  return readFileSync(path.join(ARM64_DIR, 'kernel', 'KVER'), 'utf8').trim()
}

export function qemuVersion(): string {
  return qemuVersionOf(QEMU)
}

function run(cmd: string, args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env: { ...process.env, LSVFIO_VM_DIR: VM_DIR } }, (err, _o, stderr) => {
      if (err) reject(new Error(`${path.basename(args[0] ?? cmd)} failed: ${stderr || err.message}`))
      else resolve()
    })
  })
}

/** Builds or reuses a cached file named by the hash of its inputs. */
async function cached(kind: string, ext: string, inputs: readonly (string | Buffer)[], build: (out: string) => Promise<void>): Promise<{ path: string; ms: number | null }> {
  const h = createHash('sha256')
  for (const i of inputs) h.update(i).update('\0')
  const out = path.join(ARM64_DIR, 'cache', `${kind}-${h.digest('hex').slice(0, 16)}.${ext}`)
  if (existsSync(out)) return { path: out, ms: null }
  await mkdir(path.dirname(out), { recursive: true })
  const t0 = performance.now()
  await build(out)
  const ms = Math.round(performance.now() - t0)
  // superseded images (~90 MB each) go once nobody can still be starting a guest with them
  for (const f of readdirSync(path.dirname(out))) {
    const p = path.join(path.dirname(out), f)
    if (p !== out && f.startsWith(`${kind}-`) && Date.now() - statSync(p).mtimeMs > 3600_000) rmSync(p, { force: true })
  }
  return { path: out, ms }
}

export function ensureInitramfs(): Promise<{ path: string; ms: number | null }> {
  const kver = kernelVersion()
  const kmod = path.join(ARM64_DIR, 'kmod', kver)
  const inputs = [
    readFileSync(path.join(ARM64_DIR, 'READY')),
    readFileSync(path.join(HERE, 'init.sh')),
    readFileSync(path.join(HERE, 'mkinitramfs.sh')),
    ...readdirSync(kmod).filter((f) => f.endsWith('.ko')).sort().map((f) => readFileSync(path.join(kmod, f))),
  ]
  return cached('initramfs', 'cpio', inputs, (out) => run('bash', [path.join(HERE, 'mkinitramfs.sh'), '-o', out]))
}

function machineArgs(memoryMb: number, machine?: string): string[] {
  return [...MACHINE.map((a) => (a === 'virt' && machine !== undefined ? `virt,${machine}` : a)), '-m', String(memoryMb)]
}

export function ensureDtb(memoryMb: number): Promise<{ path: string; ms: number | null }> {
  const frag = path.join(HERE, 'dt', 'lsvfio-virt.dtsi')
  const script = path.join(HERE, 'dt', 'mkdtb.sh')
  const m = machineArgs(memoryMb)
  const inputs = [qemuVersion(), m.join(' '), readFileSync(frag), readFileSync(script)]
  return cached('virt', 'dtb', inputs, (out) => run('bash', [script, out, frag, '--', ...m]))
}


/**
 * One boot: build/reuse the initramfs and DTB, start QEMU, wait for it to exit, read /out/rc.
 * A guest that did not finish (no rc file, a timeout, or a qemu status other than the rc) is booted once more.
 */
export async function bootArm64(opts: Arm64BootOptions): Promise<Arm64BootResult> {
  const avail = arm64Available()
  if (!avail.ok) throw new Error(`arm64 VM not available: ${avail.why}`)
  const kver = kernelVersion()
  const timeoutMs = opts.timeoutMs ?? 120_000
  const memoryMb = opts.memoryMb ?? 512
  const scenario = path.resolve(REPO, opts.scenario)
  if (!existsSync(scenario)) throw new Error(`scenario not found: ${scenario}`)
  const initramfs = await ensureInitramfs()
  if ((opts.machine !== undefined || opts.firmware !== undefined) && opts.dtb !== 'qemu') throw new Error("machine properties and UEFI need dtb: 'qemu' (the custom DTB is dumped without them)")
  if (opts.firmware === 'uefi' && !uefiAvailable().ok) throw new Error(`arm64 UEFI boot not available: ${uefiAvailable().why}`)
  const dtb = opts.dtb === 'qemu' ? null : await ensureDtb(memoryMb)
  await pruneRuns(path.join(ARM64_DIR, 'runs')).catch(() => undefined) // housekeeping only

  const { runDir, outDir, envFile } = await newRun(path.join(ARM64_DIR, 'runs'), '', (outDir) => ({
    PATH: '/opt/node/bin:/bin:/sbin:/usr/bin:/usr/sbin',
    HOME: '/root',
    NODE_DISABLE_COLORS: '1',
    NO_COLOR: '1',
    OUT: outDir,
    REPO,
    LSVFIO_VM_KVER: kver,
    ...opts.env,
  }))

  const bind = opts.bind ?? DEFAULT_BIND
  const cmdline = ['console=ttyAMA0', 'panic=-1', 'loglevel=4', ...guestArgs({ scenario, envFile, outDir, repo: REPO, bind: bind.join(','), timeoutMs, margin: 15 })]

  const args = [
    ...machineArgs(memoryMb, opts.machine),
    // EDK2 loads -kernel/-initrd through fw_cfg and hands the kernel ACPI tables, not a DT
    ...(opts.firmware === 'uefi' ? ['-bios', UEFI_FIRMWARE] : []),
    '-nodefaults', '-no-user-config', '-display', 'none', '-monitor', 'none', '-serial', 'stdio', '-no-reboot',
    '-semihosting-config', 'enable=on,target=native,userspace=on',
    '-kernel', path.join(ARM64_DIR, 'kernel', 'vmlinuz'), '-initrd', initramfs.path,
    ...(dtb !== null ? ['-dtb', dtb.path] : []),
    '-append', cmdline.join(' '),
    // lands on the last virtio-mmio transport, a003e00 (QEMU fills them from the top)
    '-device', 'virtio-rng-device',
    '-device', 'edu,addr=3.0',
    ...(opts.qemuArgs ?? []),
    // virtio-9p-pci, not -device: virtio-mmio transports are for vfio-platform (test/vm/arm64/README.md)
    ...ninePArgs(outDir, '1.0', '2.0'),
  ]
  const done = await bootTwice({
    binary: QEMU,
    args,
    runDir,
    outDir,
    timeoutMs,
    // the rc file is the authority; semihosting's exit status must agree with it
    finished: (a, rc) => a.status === Math.min(rc ?? -1, 255),
    why: (a, rc) =>
      rc === null
        ? `no rc file (qemu exit status ${a.status ?? a.signal}: the guest died or /init failed early)`
        : `rc file says ${rc} but qemu exited ${a.status ?? a.signal} (semihosting exit did not happen)`,
    fail: (failures, a) => new Arm64BootError(`arm64 guest (${kver}) did not finish: ${failures.join('; ')}; see ${runDir}\n--- serial log tail ---\n${a.log.slice(-3000)}`, runDir),
  })
  const a = done.attempt
  return { outDir, rc: done.rc, bootMs: a.ms, serialLog: a.log, retried: done.retried, kver, runDir, initramfsBuildMs: initramfs.ms, dtbBuildMs: dtb?.ms ?? null }
}

export { readOut } from '../qemu.js'
