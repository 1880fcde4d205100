/* runstat: runs a command and writes "wall_us user_us sys_us maxrss_kb" of it to the file named by
 * its first argument, from wait4's rusage (GNU time prints CPU time in 10 ms steps only).
 * Used by bench/measure.ts. Usage: runstat OUTFILE COMMAND [ARGS...] ; exits with the command's status. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long us(struct timeval t) { return (long long)t.tv_sec * 1000000 + t.tv_usec; }

int main(int argc, char **argv) {
	if (argc < 3) {
		fprintf(stderr, "usage: runstat OUTFILE COMMAND [ARGS...]\n");
		return 125;
	}
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid_t pid = fork();
	if (pid < 0) return 125;
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		_exit(127);
	}
	int status = 0;
	struct rusage ru;
	if (wait4(pid, &status, 0, &ru) < 0) return 125;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long long wall = (t1.tv_sec - t0.tv_sec) * 1000000LL + (t1.tv_nsec - t0.tv_nsec) / 1000;
	FILE *f = fopen(argv[1], "w");
	if (f == NULL) return 125;
	fprintf(f, "%lld %lld %lld %ld\n", wall, us(ru.ru_utime), us(ru.ru_stime), ru.ru_maxrss);
	fclose(f);
	if (WIFEXITED(status)) return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}
