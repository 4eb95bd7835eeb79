/*
 * hugeheap.c — the malloc heap in transparent huge pages (see hugeheap.h).
 *
 * Why: a replay of a month of audit.log holds thousands of process-table
 * entries (about 1 KiB each: argv, cwd, fd table) and touches every new
 * page of heap once. On virtual machines a page fault costs 5–10 µs (the
 * ones kestrel is measured on: 9.8 µs per 4 KiB page), which made page
 * faults a fifth of a replay's time; one fault per 2 MiB removes most of
 * that, and fewer TLB misses help on any machine. glibc can do this itself
 * (the glibc.malloc.hugetlb=1 tunable), but only when set in the
 * environment before the process starts.
 *
 * How: with glibc's mmap threshold raised above it, a block of the wanted
 * size comes from the brk heap and is freed at once; with trimming off,
 * the heap's top keeps that address space, and madvise(MADV_HUGEPAGE)
 * marks it. Later allocations are carved from it in order. Another thread
 * allocating meanwhile costs nothing but the advice's precision.
 */
#include "config.h"

#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util/hugeheap.h"

/* The largest mmap threshold 64-bit glibc accepts (HEAP_MAX_SIZE / 2). */
#define GLIBC_MMAP_THRESHOLD_MAX (32u << 20)
/* glibc compares the threshold with the chunk, a little more than asked */
#define CHUNK_SLACK (64u << 10)
_Static_assert(HUGEHEAP_MAX_RESERVE + CHUNK_SLACK <= GLIBC_MMAP_THRESHOLD_MAX,
               "the reserve must be servable from the brk heap");

#define THP_DIR "/sys/kernel/mm/transparent_hugepage/"
#define THP_DEFAULT_SIZE (2u << 20)

/* The kernel's PMD huge-page size when madvise can get huge pages ("always"
 * or "madvise" mode), else 0. */
static size_t thp_size(void)
{
	char buf[128] = "";
	FILE *f = fopen(THP_DIR "enabled", "re");
	if (!f)
		return 0;
	int ok = fgets(buf, sizeof(buf), f) != NULL;
	fclose(f);
	if (!ok || strstr(buf, "[never]") || !strchr(buf, '['))
		return 0;
	unsigned long long sz = THP_DEFAULT_SIZE;
	f = fopen(THP_DIR "hpage_pmd_size", "re");
	if (f) {
		if (fscanf(f, "%llu", &sz) != 1)
			sz = THP_DEFAULT_SIZE;
		fclose(f);
	}
	return (size_t)sz;
}

/* MALLOC_PERTURB_ (or its tunable) makes malloc and free fill whole
 * blocks: the reserve would touch every page it sets aside. */
static int malloc_perturbs(void)
{
	const char *p = getenv("MALLOC_PERTURB_");
	const char *t = getenv("GLIBC_TUNABLES");
	return (p && *p && strcmp(p, "0") != 0) || (t && strstr(t, "malloc.perturb"));
}

size_t hugeheap_reserve(size_t bytes)
{
#if defined(__GLIBC__) && defined(MADV_HUGEPAGE) && defined(M_TRIM_THRESHOLD) &&                   \
    defined(M_MMAP_THRESHOLD)
	if (bytes > HUGEHEAP_MAX_RESERVE)
		bytes = HUGEHEAP_MAX_RESERVE;
	size_t huge = thp_size();
	/* a reserve must hold at least one whole, aligned huge page */
	if (huge == 0 || (huge & (huge - 1)) || bytes < 2 * huge || malloc_perturbs())
		return 0;
	/* the block must come from the heap, and the heap keep it once freed */
	if (!mallopt(M_MMAP_THRESHOLD, (int)(bytes + CHUNK_SLACK)) ||
	    !mallopt(M_TRIM_THRESHOLD, INT32_MAX))
		return 0;
	char *before = sbrk(0);
	char *p = malloc(bytes);
	if (!p)
		return 0;
	/* brk grows at the malloc; with trimming off the free leaves it */
	char *end = sbrk(0);
	uintptr_t start = (uintptr_t)p; /* where the heap's top begins once p is freed */
	int from_brk = before != (char *)-1 && end != (char *)-1 && end > before &&
	               start + bytes <= (uintptr_t)end;
	free(p);
	if (!from_brk)
		return 0; /* not (only) from the brk heap: leave it be */
	uintptr_t lo = (start + huge - 1) & ~(uintptr_t)(huge - 1);
	uintptr_t hi = (uintptr_t)end & ~(uintptr_t)(huge - 1);
	if (hi <= lo || madvise((void *)lo, hi - lo, MADV_HUGEPAGE) != 0)
		return 0;
	return hi - lo;
#else
	(void)bytes;
	return 0;
#endif
}
