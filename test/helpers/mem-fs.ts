// A generated host held in memory (bench/gen-tree.ts writes into it): the file-system seam over a map,
// with links resolved as the kernel resolves them. For runs too big to write to disk in a unit test.
import type { TreeSink } from '../../bench/gen-tree.js'
import { FsError, type FsReader, type NodeStat } from '../../src/inspect/fs.js'

type Node = { kind: 'dir'; names: Set<string> } | { kind: 'file'; data: Uint8Array } | { kind: 'link'; target: string }

export class MemFs implements FsReader, TreeSink {
  private readonly nodes = new Map<string, Node>([['/', { kind: 'dir', names: new Set() }]])

  private add(p: string, n: Node): void {
    const slash = p.lastIndexOf('/')
    const parent = slash === 0 ? '/' : p.slice(0, slash)
    this.dir(parent)
    const d = this.nodes.get(parent)
    if (d?.kind === 'dir') d.names.add(p.slice(slash + 1))
    this.nodes.set(p, n)
  }

  dir(p: string): void {
    if (p === '/' || this.nodes.has(p)) return
    this.add(p, { kind: 'dir', names: new Set() })
  }
  file(p: string, v: string | Uint8Array): void {
    this.add(p, { kind: 'file', data: typeof v === 'string' ? Buffer.from(v) : v })
  }
  link(p: string, target: string): void {
    this.add(p, { kind: 'link', target })
  }

  /** The node's own path with every link on the way followed (the last one only when `last`). */
  private resolve(path: string, last: boolean, hops = 0): string {
    let at = ''
    const parts = path.split('/').filter((x) => x !== '' && x !== '.')
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i] as string
      if (part === '..') {
        at = at.slice(0, at.lastIndexOf('/'))
        continue
      }
      const next = `${at}/${part}`
      const n = this.nodes.get(next)
      if (n?.kind === 'link' && (last || i < parts.length - 1)) {
        if (hops > 40) throw new FsError('ELOOP', path)
        at = this.resolve(n.target.startsWith('/') ? n.target : `${at}/${n.target}`, true, hops + 1)
      } else at = next
    }
    return at === '' ? '/' : at
  }

  private get(path: string, last = true): Node | undefined {
    return this.nodes.get(this.resolve(path, last))
  }

  private data(path: string): Uint8Array | null {
    const n = this.get(path)
    if (n === undefined) return null
    if (n.kind === 'dir') throw new FsError('EISDIR', path)
    if (n.kind !== 'file') throw new FsError('EIO', path)
    return n.data
  }

  readText(path: string): string | null {
    const d = this.data(path)
    return d === null ? null : Buffer.from(d).toString('utf8')
  }
  readBytes(path: string, max?: number): Uint8Array | null {
    const d = this.data(path)
    return d === null ? null : d.slice(0, max ?? d.length)
  }
  readLink(path: string): string | null {
    const n = this.get(path, false)
    return n?.kind === 'link' ? n.target : null
  }
  list(dir: string): string[] | null {
    const n = this.get(dir)
    if (n === undefined) return null
    if (n.kind !== 'dir') return null // ENOTDIR: absent, as NodeFs says it
    return [...n.names].sort()
  }
  stat(path: string): NodeStat | null {
    const n = this.get(path, false)
    if (n === undefined) return null
    return { mode: n.kind === 'dir' ? 0o755 : n.kind === 'link' ? 0o777 : 0o644, uid: 0, gid: 0, rdev: '', kind: n.kind }
  }
}
