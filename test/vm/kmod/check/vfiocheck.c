// Smoke test for the modules built by test/vm/kmod/build-{noiommu,cdev}.sh, run as root in a guest.
//   vfiocheck noiommu GROUPNODE BDF   legacy container with VFIO_NOIOMMU_IOMMU
//   vfiocheck cdev CDEVNODE BDF       /dev/vfio/devices/vfioN + /dev/iommu (iommufd)
//   vfiocheck type1 GROUPNODE BDF     legacy container with TYPE1v2 (rebuilt modules still do it)
// Prints one "CHECK <what> ok|FAIL ..." line per step; exit status = number of failures.
// Built static against the host's 6.1 <linux/vfio.h>; the newer cdev/iommufd ABI is defined here.
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/vfio.h>

#define VFIO_DEVICE_BIND_IOMMUFD_NR _IO(VFIO_TYPE, VFIO_BASE + 18)      /* 0x3B76 */
#define VFIO_DEVICE_ATTACH_IOMMUFD_PT_NR _IO(VFIO_TYPE, VFIO_BASE + 19) /* 0x3B77 */
#define IOMMU_IOAS_ALLOC_NR _IO(';', 0x81)
#define IOMMU_IOAS_IOVA_RANGES_NR _IO(';', 0x84)
#define IOMMU_GET_HW_INFO_NR _IO(';', 0x8a)

struct bind_iommufd { uint32_t argsz, flags; int32_t iommufd; uint32_t out_devid; uint64_t token_uuid_ptr; };
struct attach_pt { uint32_t argsz, flags, pt_id; };
struct ioas_alloc { uint32_t size, flags, out_ioas_id; };
struct iova_range { uint64_t start, last; };
struct ioas_ranges { uint32_t size, ioas_id, num_iovas, reserved; uint64_t allowed_iovas, out_iova_alignment; };
struct hw_info {
	uint32_t size, flags, dev_id, data_len;
	uint64_t data_uptr;
	uint32_t out_data_type;
	uint8_t out_max_pasid_log2, reserved[3];
	uint64_t out_capabilities;
};
struct hw_info_vtd { uint32_t flags, reserved; uint64_t cap_reg, ecap_reg; };

static int fails;
static void check(int ok, const char *what, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void check(int ok, const char *what, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	printf("CHECK %-22s %s %s%s%s\n", what, ok ? "ok" : "FAIL", buf, ok ? "" : " errno=", ok ? "" : strerror(errno));
	if (!ok)
		fails++;
	fflush(stdout);
}

/* device fd -> GET_INFO + BAR0 region + read 4 bytes of BAR0 (edu: ID register 0x010000ed) */
static void device_checks(int dev)
{
	struct vfio_device_info di = { .argsz = sizeof di };
	int r = ioctl(dev, VFIO_DEVICE_GET_INFO, &di);
	check(r == 0 && (di.flags & VFIO_DEVICE_FLAGS_PCI), "DEVICE_GET_INFO", "r=%d flags=0x%x regions=%u irqs=%u",
	      r, di.flags, di.num_regions, di.num_irqs);
	struct vfio_region_info ri = { .argsz = sizeof ri, .index = VFIO_PCI_BAR0_REGION_INDEX };
	r = ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, &ri);
	check(r == 0 && ri.size > 0, "REGION_INFO(BAR0)", "r=%d size=0x%llx flags=0x%x", r,
	      (unsigned long long)ri.size, ri.flags);
	uint32_t id = 0;
	ssize_t n = r == 0 ? pread(dev, &id, 4, ri.offset) : -1;
	check(n == 4, "pread(BAR0+0)", "n=%zd value=0x%08x", n, id);
}

static int legacy(const char *groupnode, const char *bdf, int iommu_type)
{
	int c = open("/dev/vfio/vfio", O_RDWR);
	check(c >= 0, "open(container)", "fd=%d", c);
	if (c < 0)
		return 1;
	int v = ioctl(c, VFIO_GET_API_VERSION);
	check(v == VFIO_API_VERSION, "GET_API_VERSION", "%d", v);
	int e = ioctl(c, VFIO_CHECK_EXTENSION, iommu_type);
	check(e == 1, iommu_type == VFIO_NOIOMMU_IOMMU ? "CHECK_EXT(NOIOMMU)" : "CHECK_EXT(TYPE1v2)", "=%d", e);
	int g = open(groupnode, O_RDWR);
	check(g >= 0, "open(group)", "%s fd=%d", groupnode, g);
	if (g < 0)
		return 1;
	struct vfio_group_status st = { .argsz = sizeof st };
	int r = ioctl(g, VFIO_GROUP_GET_STATUS, &st);
	check(r == 0 && (st.flags & VFIO_GROUP_FLAGS_VIABLE), "GROUP_GET_STATUS", "r=%d flags=0x%x", r, st.flags);
	r = ioctl(g, VFIO_GROUP_SET_CONTAINER, &c);
	check(r == 0, "SET_CONTAINER", "r=%d", r);
	e = ioctl(c, VFIO_CHECK_EXTENSION, VFIO_NOIOMMU_IOMMU);
	int e1 = ioctl(c, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU);
	printf("INFO after SET_CONTAINER: CHECK_EXT NOIOMMU=%d TYPE1v2=%d\n", e, e1);
	r = ioctl(c, VFIO_SET_IOMMU, iommu_type);
	check(r == 0, "SET_IOMMU", "(%d) r=%d", iommu_type, r);
	int dev = ioctl(g, VFIO_GROUP_GET_DEVICE_FD, bdf);
	check(dev >= 0, "GROUP_GET_DEVICE_FD", "%s fd=%d", bdf, dev);
	if (dev >= 0) {
		device_checks(dev);
		close(dev);
	}
	close(g);
	close(c);
	return 0;
}

static int cdev(const char *node, const char *bdf)
{
	int dev = open(node, O_RDWR);
	check(dev >= 0, "open(cdev)", "%s fd=%d (%s)", node, dev, bdf);
	int ictx = open("/dev/iommu", O_RDWR);
	check(ictx >= 0, "open(/dev/iommu)", "fd=%d", ictx);
	if (dev < 0 || ictx < 0)
		return 1;
	struct vfio_device_info di0 = { .argsz = sizeof di0 };
	int r = ioctl(dev, VFIO_DEVICE_GET_INFO, &di0);
	check(r < 0 && errno == EINVAL, "GET_INFO before bind", "r=%d (EINVAL expected)", r);
	errno = 0;
	struct bind_iommufd b = { .argsz = sizeof b, .flags = 0, .iommufd = ictx };
	r = ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD_NR, &b);
	check(r == 0, "BIND_IOMMUFD", "r=%d argsz=%u out_devid=%u", r, b.argsz, b.out_devid);
	if (r)
		return 1;
	device_checks(dev);

	struct hw_info_vtd vtd;
	memset(&vtd, 0, sizeof vtd);
	struct hw_info hi = { .size = sizeof hi, .dev_id = b.out_devid, .data_len = sizeof vtd,
			      .data_uptr = (uintptr_t)&vtd };
	r = ioctl(ictx, IOMMU_GET_HW_INFO_NR, &hi);
	check(r == 0 && hi.out_data_type == 1, "IOMMU_GET_HW_INFO", "r=%d type=%u(1=INTEL_VTD) data_len=%u cap=0x%llx ecap=0x%llx caps=0x%llx",
	      r, hi.out_data_type, hi.data_len, (unsigned long long)vtd.cap_reg, (unsigned long long)vtd.ecap_reg,
	      (unsigned long long)hi.out_capabilities);

	struct ioas_alloc ia = { .size = sizeof ia };
	r = ioctl(ictx, IOMMU_IOAS_ALLOC_NR, &ia);
	check(r == 0, "IOMMU_IOAS_ALLOC", "r=%d ioas=%u", r, ia.out_ioas_id);
	struct attach_pt at = { .argsz = sizeof at, .pt_id = ia.out_ioas_id };
	r = ioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT_NR, &at);
	check(r == 0, "ATTACH_IOMMUFD_PT", "r=%d pt_id(hwpt)=%u", r, at.pt_id);
	struct iova_range rg[8];
	struct ioas_ranges ir = { .size = sizeof ir, .ioas_id = ia.out_ioas_id, .num_iovas = 8,
				  .allowed_iovas = (uintptr_t)rg };
	r = ioctl(ictx, IOMMU_IOAS_IOVA_RANGES_NR, &ir);
	char buf[256] = "";
	for (unsigned i = 0; r == 0 && i < ir.num_iovas && i < 8; i++)
		snprintf(buf + strlen(buf), sizeof buf - strlen(buf), " [0x%llx-0x%llx]",
			 (unsigned long long)rg[i].start, (unsigned long long)rg[i].last);
	check(r == 0 && ir.num_iovas > 0, "IOAS_IOVA_RANGES", "r=%d n=%u%s", r, ir.num_iovas, buf);
	close(dev);
	close(ictx);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: %s noiommu|type1|cdev NODE BDF\n", argv[0]);
		return 100;
	}
	if (!strcmp(argv[1], "noiommu"))
		legacy(argv[2], argv[3], VFIO_NOIOMMU_IOMMU);
	else if (!strcmp(argv[1], "type1"))
		legacy(argv[2], argv[3], VFIO_TYPE1v2_IOMMU);
	else if (!strcmp(argv[1], "cdev"))
		cdev(argv[2], argv[3]);
	else
		return 100;
	printf("CHECK-SUMMARY %s failures=%d\n", argv[1], fails);
	return fails;
}
