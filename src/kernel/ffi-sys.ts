// The real kernel: the ONLY file that imports the FFI library. open/close/pread use node:fs on raw
// fds; only ioctl goes through koffi. Every call returns -errno instead of throwing.
import { close, closeSync, constants, openSync, readSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { IoctlArg, Sys } from './sys.js'

interface Koffi {
  load(lib: string): { func(proto: string): IoctlFn }
  errno(): number
  alloc(type: string, length: number): unknown
  free(ptr: unknown): void
  address(ptr: unknown): bigint
  decode(ptr: unknown, type: string, length: number): Uint8Array
  encode(ptr: unknown, type: string, value: Uint8Array, length: number): void
}

type IoctlFn = ((fd: number, req: number, arg: unknown) => number) & {
  /** the same call on a libuv worker thread; errno is readable in the callback */
  async(fd: number, req: number, arg: unknown, done: (err: unknown, r: number) => void): void
}

interface Bindings {
  ioctlPtr: IoctlFn
  ioctlInt: IoctlFn
  ioctlStr: IoctlFn
  errno: () => number
  koffi: Koffi
}

let bindings: Bindings | null = null

// Loaded on first ioctl only: runs that never open /dev/vfio (--no-open, --from) skip its start-up cost.
function load(): Bindings {
  if (bindings) return bindings
  const require = createRequire(import.meta.url)
  const koffi = require('koffi') as Koffi
  const libc = koffi.load('libc.so.6')
  bindings = {
    ioctlPtr: libc.func('int ioctl(int fd, unsigned long req, _Inout_ uint8_t *arg)'),
    ioctlInt: libc.func('int ioctl(int fd, unsigned long req, long arg)'),
    ioctlStr: libc.func('int ioctl(int fd, unsigned long req, const char *arg)'),
    errno: () => koffi.errno(),
    koffi,
  }
  return bindings
}

/** 'bufptr' goes through withPointer, on this thread only: the native memory must outlive the call. */
function binding(b: Bindings, arg: Exclude<IoctlArg, { kind: 'bufptr' }>): [IoctlFn, unknown] {
  switch (arg.kind) {
    case 'none':
      return [b.ioctlInt, 0]
    case 'int':
      return [b.ioctlInt, arg.value]
    case 'buf':
      return [b.ioctlPtr, arg.buf]
    case 'str':
      return [b.ioctlStr, arg.value]
  }
}

function errnoOf(e: unknown): number {
  const n = (e as { errno?: unknown }).errno
  // node:fs reports errno as a negative number (libuv convention).
  return typeof n === 'number' ? Math.abs(n) : 5 /* EIO */
}

/** Runs `call` with the address of native memory holding `data` at `ptrAt` of `buf` (little-endian,
 * as on x86-64 and arm64): a JS buffer may move, native memory does not. Copies the kernel's bytes
 * back into `data` and puts 0 back at `ptrAt`, so no address outlives the call. */
function withPointer(b: Bindings, arg: { buf: Uint8Array; ptrAt: number; data: Uint8Array }, call: () => number): number {
  const dv = new DataView(arg.buf.buffer, arg.buf.byteOffset, arg.buf.byteLength)
  if (arg.data.length === 0) return call()
  const mem = b.koffi.alloc('uint8_t', arg.data.length)
  try {
    b.koffi.encode(mem, 'uint8_t', arg.data, arg.data.length)
    dv.setBigUint64(arg.ptrAt, b.koffi.address(mem), true)
    const r = call()
    arg.data.set(b.koffi.decode(mem, 'uint8_t', arg.data.length))
    return r
  } finally {
    dv.setBigUint64(arg.ptrAt, 0n, true)
    b.koffi.free(mem)
  }
}

export class FfiSys implements Sys {
  open(path: string, mode: 'r' | 'rw'): number {
    try {
      // libuv adds O_CLOEXEC itself.
      const flags = (mode === 'rw' ? constants.O_RDWR : constants.O_RDONLY)
      return openSync(path, flags)
    } catch (e: unknown) {
      return -errnoOf(e)
    }
  }

  close(fd: number): void {
    try {
      closeSync(fd)
    } catch {
      // Closing is best effort: the fd is gone either way.
    }
  }

  ioctl(fd: number, request: number, arg: IoctlArg): number {
    const b = load()
    if (arg.kind === 'bufptr') return withPointer(b, arg, () => {
      const n = b.ioctlPtr(fd, request, arg.buf)
      return n < 0 ? -b.errno() : n
    })
    const [fn, value] = binding(b, arg)
    const r = fn(fd, request, value)
    // errno must be read before any other foreign call.
    return r < 0 ? -b.errno() : r
  }

  ioctlAsync(fd: number, request: number, arg: IoctlArg): Promise<number> {
    if (arg.kind === 'bufptr') return Promise.resolve(this.ioctl(fd, request, arg))
    const b = load()
    const [fn, value] = binding(b, arg)
    return new Promise((resolve) => {
      fn.async(fd, request, value, (err: unknown, r: number) => {
        // koffi hands the worker thread's errno to the callback's koffi.errno()
        if (err !== null && err !== undefined) resolve(-5 /* EIO */)
        else resolve(r < 0 ? -b.errno() : r)
      })
    })
  }

  closeAsync(fd: number): Promise<void> {
    // Best effort, as close(): the fd is gone either way.
    return new Promise((resolve) => close(fd, () => resolve()))
  }

  pread(fd: number, buf: Uint8Array, pos: bigint): number {
    try {
      return readSync(fd, buf, 0, buf.length, pos)
    } catch (e: unknown) {
      return -errnoOf(e)
    }
  }
}
