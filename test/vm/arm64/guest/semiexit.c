/* semiexit RC: ends the arm64 guest through Arm semihosting SYS_EXIT, so qemu-system-aarch64
 * (-semihosting-config enable=on,target=native,userspace=on) exits with RC, like isa-debug-exit on x86.
 * No libc: built with -static -nostdlib. */
static long parse(const char *s) {
	long v = 0;
	while (*s >= '0' && *s <= '9') v = v * 10 + (*s++ - '0');
	return v;
}

static void semi_exit(long rc) {
	/* SYS_EXIT (0x18) with the 64-bit parameter block {ADP_Stopped_ApplicationExit, rc} */
	long block[2] = { 0x20026, rc };
	register long op __asm__("x0") = 0x18;
	register long *arg __asm__("x1") = block;
	__asm__ volatile("hlt #0xf000" : "+r"(op) : "r"(arg) : "memory");
}

void _start_c(long *sp) {
	long argc = sp[0];
	char **argv = (char **)(sp + 1);
	semi_exit(argc > 1 ? parse(argv[1]) : 0);
	for (;;) __asm__ volatile("wfi");
}

__asm__(".global _start\n_start:\n mov x0, sp\n b _start_c\n");
