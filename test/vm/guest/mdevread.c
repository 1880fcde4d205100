// Independent reader of what the kernel answers for one mediated device (guest side of the VM tests):
//   mdevread GROUPNODE UUID   -> one JSON document on stdout
// Group -> container (TYPE1v2) -> GET_DEVICE_FD(uuid) -> DEVICE_GET_INFO, every REGION_INFO with its
// capability chain, every IRQ_INFO, and VFIO_DEVICE_QUERY_GFX_PLANE with the PROBE flag (dma-buf and
// region). Read-only like lsvfio. Shares no code with lsvfio; built against the host's <linux/vfio.h>.
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/vfio.h>

static void die(const char *what)
{
	printf("{\"error\":\"%s\",\"errno\":%d}\n", what, errno);
	exit(1);
}

static void caps(const uint8_t *buf, uint32_t argsz, uint32_t first)
{
	uint32_t off = first;
	int n = 0;
	printf("[");
	while (off != 0 && off + sizeof(struct vfio_info_cap_header) <= argsz && n < 64) {
		const struct vfio_info_cap_header *h = (const void *)(buf + off);
		printf("%s{\"id\":%u,\"version\":%u", n ? "," : "", h->id, h->version);
		if (h->id == VFIO_REGION_INFO_CAP_TYPE && off + sizeof(struct vfio_region_info_cap_type) <= argsz) {
			const struct vfio_region_info_cap_type *t = (const void *)h;
			printf(",\"type\":%u,\"subtype\":%u", t->type, t->subtype);
		} else if (h->id == VFIO_REGION_INFO_CAP_SPARSE_MMAP) {
			const struct vfio_region_info_cap_sparse_mmap *s = (const void *)h;
			printf(",\"areas\":[");
			for (uint32_t i = 0; i < s->nr_areas && off + sizeof(*s) + (i + 1) * sizeof(s->areas[0]) <= argsz; i++)
				printf("%s{\"offset\":\"%llu\",\"size\":\"%llu\"}", i ? "," : "",
				       (unsigned long long)s->areas[i].offset, (unsigned long long)s->areas[i].size);
			printf("]");
		}
		printf("}");
		off = h->next;
		n++;
	}
	printf("]");
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s GROUPNODE UUID\n", argv[0]);
		return 2;
	}
	int group = open(argv[1], O_RDWR);
	if (group < 0)
		die("open group");
	struct vfio_group_status gs = { .argsz = sizeof gs };
	if (ioctl(group, VFIO_GROUP_GET_STATUS, &gs))
		die("VFIO_GROUP_GET_STATUS");
	int container = open("/dev/vfio/vfio", O_RDWR);
	if (container < 0)
		die("open container");
	if (ioctl(group, VFIO_GROUP_SET_CONTAINER, &container))
		die("VFIO_GROUP_SET_CONTAINER");
	if (ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		die("VFIO_SET_IOMMU");
	int dev = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, argv[2]);
	if (dev < 0)
		die("VFIO_GROUP_GET_DEVICE_FD");
	struct vfio_device_info di = { .argsz = sizeof di };
	if (ioctl(dev, VFIO_DEVICE_GET_INFO, &di))
		die("VFIO_DEVICE_GET_INFO");
	printf("{\"uuid\":\"%s\",\"groupFlags\":%u,\"flags\":%u,\"numRegions\":%u,\"numIrqs\":%u,\"regions\":[",
	       argv[2], gs.flags, di.flags, di.num_regions, di.num_irqs);
	for (uint32_t i = 0; i < di.num_regions; i++) {
		/* the documented two calls: the fixed struct first, then argsz as the kernel asked for
		 * (mbochs refuses an argsz larger than what it writes) */
		static uint8_t buf[4096];
		struct vfio_region_info *ri = (void *)buf;
		memset(buf, 0, sizeof buf);
		ri->argsz = sizeof *ri;
		ri->index = i;
		printf("%s{\"index\":%u", i ? "," : "", i);
		int r = ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, ri);
		if (r == 0 && ri->argsz > sizeof *ri && ri->argsz <= sizeof buf) {
			uint32_t want = ri->argsz;
			memset(buf, 0, sizeof buf);
			ri->argsz = want;
			ri->index = i;
			r = ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, ri);
		}
		if (r) {
			printf(",\"errno\":%d}", errno);
			continue;
		}
		printf(",\"flags\":%u,\"size\":\"%llu\",\"offset\":\"%llu\",\"caps\":", ri->flags,
		       (unsigned long long)ri->size, (unsigned long long)ri->offset);
		if (ri->flags & VFIO_REGION_INFO_FLAG_CAPS)
			caps(buf, ri->argsz < sizeof buf ? ri->argsz : sizeof buf, ri->cap_offset);
		else
			printf("[]");
		printf("}");
	}
	printf("],\"irqs\":[");
	for (uint32_t i = 0; i < di.num_irqs; i++) {
		struct vfio_irq_info ii = { .argsz = sizeof ii, .index = i };
		printf("%s{\"index\":%u", i ? "," : "", i);
		if (ioctl(dev, VFIO_DEVICE_GET_IRQ_INFO, &ii))
			printf(",\"errno\":%d}", errno);
		else
			printf(",\"flags\":%u,\"count\":%u}", ii.flags, ii.count);
	}
	printf("],\"gfx\":{");
	const uint32_t kinds[2] = { VFIO_GFX_PLANE_TYPE_DMABUF, VFIO_GFX_PLANE_TYPE_REGION };
	for (int k = 0; k < 2; k++) {
		struct vfio_device_gfx_plane_info p = { .argsz = sizeof p, .flags = VFIO_GFX_PLANE_TYPE_PROBE | kinds[k], .drm_plane_type = 1 };
		int r = ioctl(dev, VFIO_DEVICE_QUERY_GFX_PLANE, &p);
		printf("%s\"%s\":%d", k ? "," : "", k ? "region" : "dmabuf", r == 0 ? 0 : -errno);
	}
	printf("}}\n");
	close(dev);
	close(container);
	close(group);
	return 0;
}
