/*
 * hugeheap.h — let the malloc heap grow in 2 MiB pages for a large replay.
 */
#ifndef KESTREL_UTIL_HUGEHEAP_H
#define KESTREL_UTIL_HUGEHEAP_H

#include <stddef.h>

/* Below this much input a replay keeps ordinary pages (see hugeheap.c). */
#define HUGEHEAP_MIN_INPUT (16u << 20)
/* Most address space set aside (glibc serves at most 32 MiB from the
 * heap in one request). */
#define HUGEHEAP_MAX_RESERVE (30u << 20)

/*
 * Sets aside `bytes` of address space at the top of the malloc heap (no
 * memory: nothing is touched) and asks the kernel for transparent huge
 * pages there, so that what the heap grows into next costs one page fault
 * per 2 MiB instead of one per 4 KiB. Returns the bytes advised (0 when
 * the C library or the kernel does not allow it: nothing changes then).
 * For a process that is about to grow its heap by many megabytes (a
 * replay's process table); not for the daemon, whose resident memory it
 * would raise by up to 2 MiB.
 */
size_t hugeheap_reserve(size_t bytes);

#endif
