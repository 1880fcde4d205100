// A programmable kernel behind the Sys seam. Replies are written byte by byte here (not with our
// encoders), so a decoder bug cannot hide behind a fake that shares it.
import type { IoctlArg, Sys } from '../../src/kernel/sys.js'

export const REQ = {
  API: 0x3b64, CHECK: 0x3b65, SET_IOMMU: 0x3b66, GROUP_STATUS: 0x3b67, SET_CONTAINER: 0x3b68, GET_DEVICE_FD: 0x3b6a,
  DEVICE_INFO: 0x3b6b, REGION_INFO: 0x3b6c, IRQ_INFO: 0x3b6d, HOT_RESET_INFO: 0x3b70, IOMMU_INFO: 0x3b70, FEATURE: 0x3b75,
} as const

/** A reply: bytes to write into the caller's buffer (only as many as fit), and the return value. */
export interface Reply {
  bytes?: Uint8Array
  ret?: number
}

export type DeviceScript = (req: number, arg: Uint8Array) => Reply

export interface FakeKernel {
  /** path → -errno to fail the open */
  openErrors?: Record<string, number>
  groupFlags?: number
  extensions?: Record<number, number>
  setContainer?: number
  setIommu?: number
  iommuInfo?: (arg: Uint8Array) => Reply
  devices: Record<string, DeviceScript>
  /** bytes a device fd returns for pread at the CONFIG region offset (7 << 40) */
  config?: Record<string, Uint8Array>
}

export function le(...fields: [number, 'u16' | 'u32' | 'u64', number | bigint][]): Uint8Array {
  const size = Math.max(...fields.map(([o, t]) => o + (t === 'u16' ? 2 : t === 'u32' ? 4 : 8)))
  const b = new Uint8Array(size)
  const v = new DataView(b.buffer)
  for (const [o, t, x] of fields) {
    if (t === 'u16') v.setUint16(o, Number(x), true)
    else if (t === 'u32') v.setUint32(o, Number(x), true)
    else v.setBigUint64(o, BigInt(x), true)
  }
  return b
}

export const u32at = (b: Uint8Array, o: number): number => new DataView(b.buffer, b.byteOffset).getUint32(o, true)

export class FakeSys implements Sys {
  private next = 3
  readonly fds = new Map<number, string>()
  readonly calls: { path: string; req: number }[] = []

  constructor(private readonly k: FakeKernel) {}

  open(path: string): number {
    const err = this.k.openErrors?.[path]
    if (err !== undefined) return err
    const fd = this.next++
    this.fds.set(fd, path)
    return fd
  }

  close(fd: number): void {
    this.fds.delete(fd)
  }

  ioctl(fd: number, req: number, arg: IoctlArg): number {
    const path = this.fds.get(fd)
    if (path === undefined) return -9
    this.calls.push({ path, req })
    const buf = arg.kind === 'buf' ? arg.buf : new Uint8Array(0)
    const reply = (r: Reply): number => {
      if (r.bytes) buf.set(r.bytes.subarray(0, buf.length))
      return r.ret ?? 0
    }
    if (path === '/dev/vfio/vfio') {
      if (req === REQ.API) return 0
      if (req === REQ.CHECK && arg.kind === 'int') return this.k.extensions?.[arg.value] ?? 0
      if (req === REQ.SET_IOMMU) return this.k.setIommu ?? 0
      if (req === REQ.IOMMU_INFO) return reply(this.k.iommuInfo?.(buf) ?? { ret: -25 })
      return -25
    }
    if (path.startsWith('/dev/vfio/')) {
      if (req === REQ.GROUP_STATUS) return reply({ bytes: le([0, 'u32', 8], [4, 'u32', this.k.groupFlags ?? 1]) })
      if (req === REQ.SET_CONTAINER) return this.k.setContainer ?? 0
      if (req === REQ.GET_DEVICE_FD && arg.kind === 'str') {
        if (this.k.devices[arg.value] === undefined) return -19
        const dfd = this.next++
        this.fds.set(dfd, `device:${arg.value}`)
        return dfd
      }
      return -25
    }
    if (path.startsWith('device:')) {
      const script = this.k.devices[path.slice(7)]
      return script === undefined ? -19 : reply(script(req, buf))
    }
    return -25
  }

  pread(fd: number, buf: Uint8Array, pos: bigint): number {
    const path = this.fds.get(fd)
    const cfg = path?.startsWith('device:') ? this.k.config?.[path.slice(7)] : undefined
    if (cfg === undefined || pos < 7n << 40n) return -22
    const from = Number(pos - (7n << 40n))
    const part = cfg.subarray(from, from + buf.length)
    buf.set(part)
    return part.length
  }
}
