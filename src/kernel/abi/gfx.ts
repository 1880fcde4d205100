// struct vfio_device_gfx_plane_info: only the PROBE request is ever encoded (argsz, flags, drm_plane_type);
// the kernel answers a probe with 0 or an errno and writes nothing back.
import * as U from './vfio-uapi.js'

/** A PROBE for the primary plane as a dma-buf or as a region. */
export function encodeGfxPlaneProbe(kind: 'dmabuf' | 'region'): Uint8Array {
  const buf = new Uint8Array(U.GFX_PLANE_INFO_SIZE)
  const dv = new DataView(buf.buffer)
  dv.setUint32(0, U.GFX_PLANE_INFO_SIZE, true)
  dv.setUint32(4, U.VFIO_GFX_PLANE_TYPE_PROBE | (kind === 'dmabuf' ? U.VFIO_GFX_PLANE_TYPE_DMABUF : U.VFIO_GFX_PLANE_TYPE_REGION), true)
  dv.setUint32(8, U.DRM_PLANE_TYPE_PRIMARY, true)
  return buf
}

/** The flags of a QUERY_GFX_PLANE request, null when it is too short to have them. */
export function gfxPlaneFlags(buf: Uint8Array): number | null {
  return buf.length < 8 ? null : new DataView(buf.buffer, buf.byteOffset, 8).getUint32(4, true)
}
