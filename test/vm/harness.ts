// Boots a real Debian kernel under QEMU/TCG (q35 + emulated VT-d) with real vfio-pci devices and
// runs one scenario script in it (see ../../../shared/reference/vm-recipe.md and test/vm/README.md).
// Results come back as files in outDir through a writable 9p share; the serial console is kept for
// diagnostics only. Set-up: `bash test/vm/setup.sh`.

import { spawn, execFile, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, statSync, readdirSync, accessSync, constants as fsc } from 'node:fs'
import { mkdir, writeFile, readFile, rename, rm, stat, truncate } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { readOut, runQemu, shQuote } from './qemu.js'

export const KERNELS = ['6.12', '6.1', '7.3'] as const
export type KernelName = (typeof KERNELS)[number]

export interface BootOptions {
  kernel: KernelName
  /** 'full' = recipe §2.1, 'small' = edu + pci-testdev, or raw QEMU arguments (avoid slots 1d/1e: the 9p transports) */
  devices: 'full' | 'small' | readonly string[]
  iommu: 'intel' | 'off'
  /** scenario script: absolute, or relative to the repository root; run by /bin/sh in the chroot */
  scenario: string
  /** exported to the scenario on top of OUT, REPO, LSVFIO_VM_KERNEL, LSVFIO_VM_KVER, NODE_DISABLE_COLORS, PATH, HOME */
  env?: Record<string, string>
  /** BDFs left on their host driver (e.g. '0000:07:02.0' makes group of 06:00.0 non-viable) */
  keep?: readonly string[]
  /** BDFs to bind to vfio-pci; default all eligible */
  bind?: readonly string[]
  /** directory of .ko files replacing/adding modules (test/vm/kmod output) */
  extraModules?: string
  /** insmod parameters, e.g. 'vfio enable_unsafe_noiommu_mode=1' */
  modparams?: readonly string[]
  /** extra kernel command-line words (no whitespace inside), e.g. 'pci=disable_acs_redir=0000:00:15.0' */
  cmdline?: readonly string[]
  /** per boot attempt; default 180 s */
  timeoutMs?: number
  memoryMb?: number
}

export interface BootResult {
  /** the guest's /out: rc, init.log, dmesg.txt, scenario.stdout/.stderr and whatever the scenario wrote */
  outDir: string
  /** the scenario's exit status */
  rc: number
  /** wall time of the successful qemu run (start to exit) */
  bootMs: number
  serialLog: string
  retried: boolean
  kver: string
  /** outDir's parent: serial.log, qemu.cmd, env.sh, and failed attempts (out.try1/) */
  runDir: string
  initramfs: { path: string; buildMs: number | null }
}

export class VmBootError extends Error {
  constructor(
    message: string,
    readonly runDir: string,
    readonly serialLog: string,
  ) {
    super(message)
    this.name = 'VmBootError'
  }
}

const HERE = path.dirname(fileURLToPath(import.meta.url))
export const REPO = path.resolve(HERE, '../..')
export const VM_DIR = process.env['LSVFIO_VM_DIR'] ?? path.join(REPO, '.vm')
const QEMU = 'qemu-system-x86_64'
const BUSYBOX = '/bin/busybox'
/** PCI slots of the two 9p transports (host root read-only, outputs writable) */
export const NINEP_SLOTS = ['1d.0', '1e.0'] as const

function kernelDir(k: KernelName): string {
  return path.join(VM_DIR, 'kernels', k)
}

function onPath(cmd: string): string | null {
  for (const dir of (process.env['PATH'] ?? '').split(':').concat(['/usr/sbin', '/sbin'])) {
    if (dir === '') continue
    const p = path.join(dir, cmd)
    try {
      accessSync(p, fsc.X_OK)
      return p
    } catch {
      // not here
    }
  }
  return null
}

/** What is missing to boot the given kernels, in words a skip message can print. */
export function vmAvailable(kernels: readonly KernelName[] = KERNELS): { ok: boolean; why: string } {
  if (process.env['LSVFIO_SKIP_VM'] === '1') return { ok: false, why: 'LSVFIO_SKIP_VM=1' }
  const missing: string[] = []
  if (onPath(QEMU) === null) missing.push(`${QEMU} not on PATH (apt-get install qemu-system-x86)`)
  if (!existsSync(BUSYBOX)) missing.push(`${BUSYBOX} missing (apt-get install busybox-static)`)
  for (const tool of ['modprobe', 'modinfo']) {
    if (onPath(tool) === null) missing.push(`${tool} not found (apt-get install kmod)`)
  }
  if (onPath('xz') === null) missing.push('xz not found (apt-get install xz-utils)')
  const notFetched = kernels.filter((k) => !existsSync(path.join(kernelDir(k), '.complete')))
  if (notFetched.length > 0) missing.push(`kernel ${notFetched.join(', ')} not fetched into ${path.join(VM_DIR, 'kernels')}`)
  if (missing.length === 0) return { ok: true, why: `ready: ${kernels.join(', ')}` }
  return { ok: false, why: `${missing.join('; ')} (run: bash test/vm/setup.sh)` }
}

export function kernelVersion(k: KernelName): string {
  return readFileSync(path.join(kernelDir(k), 'KVER'), 'utf8').trim()
}

// ------------------------------------------------------------------------------------------ initramfs

function hashFiles(h: ReturnType<typeof createHash>, dir: string): void {
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.ko')).sort()) {
    h.update(f).update(readFileSync(path.join(dir, f)))
  }
}

/** Builds (or reuses) the initramfs for these inputs; the cache key covers every input file. */
export async function ensureInitramfs(
  kernel: KernelName,
  extraModules?: string,
  modparams: readonly string[] = [],
): Promise<{ path: string; buildMs: number | null }> {
  const h = createHash('sha256')
  h.update(kernelVersion(kernel)).update('\0')
  h.update(readFileSync(path.join(HERE, 'init.sh'))).update(readFileSync(path.join(HERE, 'mkinitramfs.sh')))
  h.update(readFileSync(path.join(kernelDir(kernel), 'PACKAGES')))
  for (const p of modparams) h.update(`\0param ${p}`)
  if (extraModules !== undefined) {
    h.update('\0extra ')
    hashFiles(h, extraModules)
  }
  const out = path.join(VM_DIR, 'initramfs', `${kernel}-${h.digest('hex').slice(0, 16)}.cpio`)
  if (existsSync(out)) return { path: out, buildMs: null }
  const args = [path.join(HERE, 'mkinitramfs.sh'), '--kernel', kernel, '-o', out]
  if (extraModules !== undefined) args.push('--extra-modules', extraModules)
  for (const p of modparams) args.push('--modparam', p)
  const t0 = performance.now()
  await new Promise<void>((resolve, reject) => {
    execFile('bash', args, { env: { ...process.env, LSVFIO_VM_DIR: VM_DIR } }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`mkinitramfs failed for ${kernel}: ${stderr || err.message}`))
      else resolve()
    })
  })
  return { path: out, buildMs: Math.round(performance.now() - t0) }
}

// ------------------------------------------------------------------------------------------ QEMU

/** recipe §2.1 minus the console/kernel parts; the nvme backing file is per run */
function deviceArgs(devices: BootOptions['devices'], diskImg: string): string[] {
  if (typeof devices !== 'string') return [...devices]
  const small = ['-device', 'edu,addr=03.0', '-device', 'pci-testdev,addr=04.0']
  if (devices === 'small') return small
  return [
    ...small,
    '-object', 'memory-backend-memfd,id=shm0,size=256M,share=on',
    '-device', 'ivshmem-plain,memdev=shm0,addr=05.0',
    '-device', 'ich9-intel-hda,addr=06.0',
    '-device', 'virtio-net-pci,addr=07.0',
    '-device', 'pcie-root-port,id=rp1,chassis=1,slot=1,addr=10.0',
    '-drive', `if=none,id=d0,file=${diskImg},format=raw`,
    '-device', 'nvme,drive=d0,serial=lsvfio1,bus=rp1',
    '-device', 'pcie-root-port,id=rp2,chassis=2,slot=2,addr=11.0', '-device', 'e1000e,bus=rp2',
    '-device', 'pcie-root-port,id=rp3,chassis=3,slot=3,addr=12.0', '-device', 'qemu-xhci,bus=rp3',
    '-device', 'pcie-root-port,id=rp4,chassis=4,slot=4,addr=13.0', '-device', 'pcie-pci-bridge,id=br1,bus=rp4',
    '-device', 'edu,bus=br1,addr=1.0', '-device', 'pci-testdev,bus=br1,addr=2.0',
    '-device', 'pcie-root-port,id=rp5,chassis=5,slot=5,addr=14.0', '-device', 'pcie-pci-bridge,id=br2,bus=rp5',
    '-device', 'pci-testdev,bus=br2,addr=1.0', '-device', 'virtio-net-pci,bus=br2,addr=2.0',
  ]
}

function fullBdf(bdf: string): string {
  const b = bdf.toLowerCase()
  if (!/^([0-9a-f]{4}:)?[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/.test(b)) throw new Error(`not a PCI address: ${bdf}`)
  return b.length === 7 ? `0000:${b}` : b
}


let runCounter = 0
let pruned = false

/**
 * One boot: build/reuse the initramfs, start QEMU, wait for the guest's isa-debug-exit, read /out/rc.
 * A guest that never finished (qemu status 0 = guest died, timeout, or no rc file) is booted once more.
 */
export async function bootGuest(opts: BootOptions): Promise<BootResult> {
  const avail = vmAvailable([opts.kernel])
  if (!avail.ok) throw new Error(`VM not available: ${avail.why}`)
  const kver = kernelVersion(opts.kernel)
  const timeoutMs = opts.timeoutMs ?? 180_000
  const scenario = path.resolve(REPO, opts.scenario)
  if (!existsSync(scenario)) throw new Error(`scenario not found: ${scenario}`)
  if (opts.extraModules !== undefined && !statSync(opts.extraModules).isDirectory()) {
    throw new Error(`extraModules is not a directory: ${opts.extraModules}`)
  }
  const initramfs = await ensureInitramfs(opts.kernel, opts.extraModules, opts.modparams ?? [])
  if (!pruned) {
    pruned = true
    await pruneRuns().catch(() => undefined) // housekeeping only
  }

  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')
  const runDir = path.join(VM_DIR, 'runs', `${stamp}-${opts.kernel}-${process.pid}-${runCounter++}`)
  const outDir = path.join(runDir, 'out')
  await mkdir(runDir, { recursive: true })

  const env: Record<string, string> = {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: '/root',
    LANG: 'C.UTF-8',
    NODE_DISABLE_COLORS: '1',
    NO_COLOR: '1',
    OUT: outDir,
    REPO,
    LSVFIO_VM_KERNEL: opts.kernel,
    LSVFIO_VM_KVER: kver,
    LSVFIO_VM_IOMMU: opts.iommu,
    ...opts.env,
  }
  const envFile = path.join(runDir, 'env.sh')
  await writeFile(
    envFile,
    Object.entries(env)
      .map(([k, v]) => {
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new Error(`bad env name ${k}`)
        return `export ${k}=${shQuote(v)}\n`
      })
      .join(''),
  )
  const diskImg = path.join(runDir, 'disk.img')
  await writeFile(diskImg, '')
  await truncate(diskImg, 64 << 20) // sparse; one per run because QEMU locks its images

  // kernel command line: no spaces inside values (the guest splits on them)
  const cmdline = [
    'console=ttyS0', 'panic=-1', 'loglevel=4',
    ...(opts.iommu === 'intel' ? ['intel_iommu=on', 'iommu=pt'] : []),
    `lsvfio.scenario=${scenario}`, `lsvfio.env=${envFile}`, `lsvfio.out=${outDir}`, `lsvfio.repo=${REPO}`,
    `lsvfio.bind=${opts.bind === undefined ? 'all' : opts.bind.length === 0 ? 'none' : opts.bind.map(fullBdf).join(',')}`,
    ...(opts.keep !== undefined && opts.keep.length > 0 ? [`lsvfio.keep=${opts.keep.map(fullBdf).join(',')}`] : []),
    `lsvfio.tmo=${Math.max(10, Math.floor(timeoutMs / 1000) - 20)}`,
    ...(opts.cmdline ?? []),
  ]
  for (const w of cmdline) if (/\s/.test(w)) throw new Error(`whitespace in kernel argument: ${w}`)

  const args = [
    '-machine', 'q35', '-accel', 'tcg', '-cpu', 'max', '-smp', '1', '-m', String(opts.memoryMb ?? 1024),
    '-nodefaults', '-no-user-config', '-display', 'none', '-vga', 'none', '-monitor', 'none',
    '-serial', 'stdio', '-no-reboot',
    '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04',
    '-kernel', path.join(kernelDir(opts.kernel), 'vmlinuz'), '-initrd', initramfs.path,
    '-append', cmdline.join(' '),
    ...(opts.iommu === 'intel' ? ['-device', 'intel-iommu,intremap=on'] : []),
    ...deviceArgs(opts.devices, diskImg),
    '-fsdev', 'local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap',
    '-device', `virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot,addr=${NINEP_SLOTS[0]}`,
    '-fsdev', `local,id=out,path=${outDir},security_model=none,multidevs=remap`,
    '-device', `virtio-9p-pci,fsdev=out,mount_tag=out,addr=${NINEP_SLOTS[1]}`,
  ]
  await writeFile(path.join(runDir, 'qemu.cmd'), [QEMU, ...args].map(shQuote).join(' ') + '\n')

  let retried = false
  const failures: string[] = []
  for (let attempt = 1; attempt <= 2; attempt++) {
    await rm(outDir, { recursive: true, force: true })
    await mkdir(outDir, { recursive: true })
    const a = await runQemu(QEMU, args, timeoutMs)
    await writeFile(path.join(runDir, attempt === 1 ? 'serial.log' : `serial.try${attempt}.log`), a.log)
    const rc = await readRc(outDir)
    // (rc<<1)|1 from isa-debug-exit; the rc file is the authority, the status a cross-check
    if (rc !== null && !a.timedOut && a.status !== null && a.status % 2 === 1) {
      return { outDir, rc, bootMs: a.ms, serialLog: a.log, retried, kver, runDir, initramfs }
    }
    const why = a.timedOut
      ? `timed out after ${timeoutMs} ms`
      : a.status === 0
        ? 'guest died (qemu exit status 0: panic or triple fault)'
        : rc === null
          ? `no rc file (qemu exit status ${a.status ?? a.signal}, init failure ${a.status !== null ? (a.status - 1) / 2 : '?'})`
          : `qemu exit status ${a.status ?? a.signal}`
    failures.push(`attempt ${attempt}: ${why}`)
    if (attempt === 1) {
      await rename(outDir, path.join(runDir, 'out.try1'))
      retried = true
    } else {
      throw new VmBootError(
        `guest on ${opts.kernel} (${kver}) did not finish: ${failures.join('; ')}; see ${runDir}\n--- serial log tail ---\n${a.log.slice(-3000)}`,
        runDir,
        a.log,
      )
    }
  }
  throw new Error('unreachable')
}

async function readRc(outDir: string): Promise<number | null> {
  try {
    const t = (await readFile(path.join(outDir, 'rc'), 'utf8')).trim()
    return /^\d+$/.test(t) ? Number(t) : null
  } catch {
    return null
  }
}


/** Deletes run directories older than maxAgeMs (they are kept for diagnostics). */
export async function pruneRuns(maxAgeMs = 24 * 3600_000): Promise<void> {
  const dir = path.join(VM_DIR, 'runs')
  if (!existsSync(dir)) return
  const now = Date.now()
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name)
    if (now - (await stat(p)).mtimeMs > maxAgeMs) await rm(p, { recursive: true, force: true })
  }
}

/** qemu version string, for test output */
export function qemuVersion(): string {
  const r = spawnSync(QEMU, ['--version'], { encoding: 'utf8' })
  return (r.stdout ?? '').split('\n')[0] ?? ''
}

export { readOut } from './qemu.js'
