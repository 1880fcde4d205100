// Snapshots of generated hosts, made by the real recorder: lsvfio's own run() over the generated tree
// (NodeFs) and a kernel seam that answers every VFIO device as the template e1000e answered the real
// 6.12 kernel (its recorded replies, so every reply is kernel bytes). The recorder writes down exactly
// the questions the current code asks, so the replay is a faithful whole run.
import { writeFileSync } from 'node:fs'
import { parseArgs } from '../src/cli/program.js'
import { run } from '../src/cli/run.js'
import { NodeFs } from '../src/inspect/node-fs.js'
import * as U from '../src/kernel/abi/vfio-uapi.js'
import type { IoctlArg, Sys } from '../src/kernel/sys.js'
import { plainStyle } from '../src/render/style.js'
import type { SnapshotDoc } from '../src/snapshot/doc.js'
import { compactSnapshot } from '../src/snapshot/compact.js'
import { Recording, RecordingFs, RecordingSys } from '../src/snapshot/record.js'
import { ReplaySys } from '../src/snapshot/replay.js'
import { type GenDevice, generateTree, loadTemplate, TEMPLATE_BDF, TEMPLATE_GROUP, VF_ID, withDeviceId } from './gen-tree.js'

/** The template device's answers for every generated group and device, with their own names in them. */
export class TemplateSys implements Sys {
  private readonly inner: ReplaySys
  private readonly byGroup: Map<number, GenDevice>
  /** our fd → the generated device it belongs to */
  private readonly owner = new Map<number, GenDevice>()

  constructor(template: SnapshotDoc, devices: readonly GenDevice[]) {
    this.inner = new ReplaySys(template)
    this.byGroup = new Map(devices.map((d) => [d.group, d]))
  }

  open(path: string, mode: 'r' | 'rw'): number {
    const m = /^\/dev\/vfio\/(\d+)$/.exec(path)
    const dev = m === null ? undefined : this.byGroup.get(Number(m[1]))
    if (m !== null && dev === undefined) return -2 // ENOENT
    const fd = this.inner.open(dev === undefined ? path : `/dev/vfio/${TEMPLATE_GROUP}`, mode)
    if (fd >= 0 && dev !== undefined) this.owner.set(fd, dev)
    return fd
  }

  close(fd: number): void {
    this.owner.delete(fd)
    this.inner.close(fd)
  }

  ioctl(fd: number, request: number, arg: IoctlArg): number {
    const dev = this.owner.get(fd)
    if (request === U.VFIO_GROUP_GET_DEVICE_FD && arg.kind === 'str') {
      if (dev === undefined || arg.value !== dev.bdf) return -19 // ENODEV, as for a name not in the group
      const r = this.inner.ioctl(fd, request, { kind: 'str', value: TEMPLATE_BDF })
      if (r >= 0) this.owner.set(r, dev)
      return r
    }
    const r = this.inner.ioctl(fd, request, arg)
    // The hot-reset reply names the template's group and address: make it name this device.
    if (request === U.VFIO_DEVICE_GET_PCI_HOT_RESET_INFO && r >= 0 && dev !== undefined && arg.kind === 'buf') {
      const dv = new DataView(arg.buf.buffer, arg.buf.byteOffset, arg.buf.byteLength)
      const [dom = 0, bus = 0, slot = 0, fn = 0] = dev.bdf.split(/[:.]/).map((x) => Number.parseInt(x, 16))
      for (let off = 12; off + 8 <= arg.buf.byteLength; off += 8) {
        dv.setUint32(off, dev.group, true)
        dv.setUint16(off + 4, dom, true)
        dv.setUint8(off + 6, bus)
        dv.setUint8(off + 7, (slot << 3) | fn)
      }
    }
    return r
  }

  pread(fd: number, buf: Uint8Array, pos: bigint): number {
    const r = this.inner.pread(fd, buf, pos)
    // Config space through the CONFIG region carries the device ID: the VF's, as in its sysfs config.
    if (r >= 4 && pos === BigInt(U.VFIO_PCI_CONFIG_REGION_INDEX) << 40n) buf.set(withDeviceId(buf.subarray(0, 4), VF_ID))
    return r
  }
}

/** Generates a host of `count` functions, records a full lsvfio run over it, writes the snapshot to `file`. */
export function generateSnapshot(count: number, file: string): { bytes: number; groups: number } {
  const template = loadTemplate()
  const tree = generateTree(count, template)
  try {
    const parsed = parseArgs(['--json'], 'bench')
    if (parsed.kind !== 'run') throw new Error('parseArgs did not give a run')
    const rec = new Recording('lsvfio bench-generator', ['--json'], new Date(0))
    const host = { fs: new RecordingFs(new NodeFs(tree.root), rec), sys: new RecordingSys(new TemplateSys(template, tree.devices), rec), names: null }
    const r = run(host, parsed.options, plainStyle, { version: 'bench', argv: ['--json'] })
    const failed = r.inventory.groups.flatMap((g) => g.devices).filter((d) => d.vfio !== null && !d.vfio.ok)
    if (failed.length > 0) throw new Error(`generated host: ${failed.length} VFIO devices failed, e.g. ${failed[0]?.address}`)
    const text = compactSnapshot(rec.doc)
    writeFileSync(file, text)
    return { bytes: text.length, groups: r.inventory.groups.length }
  } finally {
    tree.cleanup()
  }
}
