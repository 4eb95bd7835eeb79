/*
 * hugeheap.h — let the malloc heap grow in transparent huge pages for a
 * large replay.
 */
#ifndef KESTREL_UTIL_HUGEHEAP_H
#define KESTREL_UTIL_HUGEHEAP_H

#include <stddef.h>

/* Below this much input a replay keeps ordinary pages (see hugeheap.c). */
#define HUGEHEAP_MIN_INPUT (16u << 20)
/* Most address space set aside. The block that sets it aside must be
 * served from the heap, and 64-bit glibc's largest mmap threshold is
 * 32 MiB (hugeheap.c checks the setting took). */
#define HUGEHEAP_MAX_RESERVE (30u << 20)

/*
 * Sets aside up to `bytes` of address space at the top of glibc's brk
 * heap and asks the kernel for transparent huge pages there, so that what
 * the heap grows into next costs one page fault per huge page instead of
 * one per 4 KiB. Address space only: nothing is touched. Returns the bytes
 * advised, or 0 when it does not apply: transparent huge pages off, huge
 * pages too large for the reserve, malloc debugging that fills freed
 * memory (MALLOC_PERTURB_), malloc not glibc's brk heap (sanitizers,
 * valgrind), or a step failing.
 *
 * It changes glibc's malloc for the rest of the process, even when it
 * returns 0 after the first step: the mmap threshold is fixed at the
 * reserve's size (glibc's dynamic threshold is off from then on, so large
 * blocks too come from the huge-page heap) and the heap is never trimmed.
 * Meant for a process whose heap is about to grow by megabytes and that
 * exits after (a replay); not for the daemon, whose resident memory it
 * would raise by up to a huge page and never give back.
 */
size_t hugeheap_reserve(size_t bytes);

#endif
