/* ioctl-loop: the C baseline for lsvfio's ioctl layer (bench/ioctl.ts). Issues the same ioctl the
 * TypeScript side issues through FfiSys, N times on the same kind of fd, and prints the cost per call.
 * Usage: ioctl-loop PATH REQUEST ARGBYTES N  (REQUEST in hex; the argument is a zeroed buffer of
 * ARGBYTES bytes, passed by pointer). Prints: {"ns_per_call": X, "result": R}. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
	if (argc != 5) {
		fprintf(stderr, "usage: ioctl-loop PATH REQUEST ARGBYTES N\n");
		return 2;
	}
	unsigned long req = strtoul(argv[2], NULL, 16);
	size_t size = strtoul(argv[3], NULL, 10);
	long n = strtol(argv[4], NULL, 10);
	int fd = open(argv[1], O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "ioctl-loop: open %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	unsigned char *arg = calloc(1, size < 8 ? 8 : size);
	int r = 0;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < n; i++) {
		r = ioctl(fd, req, arg);
		/* what FfiSys does with a failure: read errno */
		if (r < 0) r = -errno;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ns = ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / (double)n;
	printf("{\"ns_per_call\": %.1f, \"result\": %d}\n", ns, r);
	close(fd);
	free(arg);
	return 0;
}
