/*
 * hugeheap.c — the malloc heap in transparent huge pages (see hugeheap.h).
 *
 * Why: a replay of a month of audit.log holds thousands of process-table
 * entries (about 1.3 KiB each: argv, cwd, fd table) and touches every new
 * page of heap once. On virtual machines a page fault costs 5–10 µs (the
 * ones kestrel is measured on: 9.8 µs per 4 KiB page), which made page
 * faults a fifth of a replay's time; one fault per 2 MiB removes most of
 * that, and fewer TLB misses help on any machine. glibc can do this itself
 * (the glibc.malloc.hugetlb=1 tunable), but only when set in the
 * environment before the process starts.
 *
 * How: with glibc's mmap threshold raised for one request, a block of the
 * wanted size comes from the brk heap and is freed at once; with trimming
 * off, the heap's top keeps that address space, and madvise(MADV_HUGEPAGE)
 * marks it. Later allocations are carved from it in order.
 */
#include "config.h"

#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util/hugeheap.h"

#define HUGE_PAGE (2u << 20)
/* glibc's default mmap threshold, restored after the one request */
#define GLIBC_MMAP_THRESHOLD (128u << 10)

size_t hugeheap_reserve(size_t bytes)
{
#if defined(__GLIBC__) && defined(MADV_HUGEPAGE) && defined(M_TRIM_THRESHOLD)
	if (bytes > HUGEHEAP_MAX_RESERVE)
		bytes = HUGEHEAP_MAX_RESERVE;
	if (bytes < 2 * HUGE_PAGE)
		return 0;
	/* the heap must keep what is freed at its top for the whole run */
	if (!mallopt(M_TRIM_THRESHOLD, INT32_MAX))
		return 0;
	/* the threshold is compared with the chunk, a little more than asked */
	mallopt(M_MMAP_THRESHOLD, (int)bytes + (64 << 10));
	char *p = malloc(bytes);
	mallopt(M_MMAP_THRESHOLD, GLIBC_MMAP_THRESHOLD);
	if (!p)
		return 0;
	uintptr_t start = (uintptr_t)p; /* where the heap's top begins once p is freed */
	free(p);
	char *end = sbrk(0);
	if (end == (char *)-1 || (uintptr_t)end < start)
		return 0; /* not from the brk heap after all */
	uintptr_t lo = (start + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
	uintptr_t hi = (uintptr_t)end & ~(uintptr_t)(HUGE_PAGE - 1);
	if (hi <= lo || madvise((void *)lo, hi - lo, MADV_HUGEPAGE) != 0)
		return 0;
	return hi - lo;
#else
	(void)bytes;
	return 0;
#endif
}
