/*
 * normalize.h — turn one assembled audit event into a struct kevent:
 * syscall name and number, result, arguments, reassembled EXECVE argv,
 * PROCTITLE, CWD, PATH items, decoded SOCKADDR. Sits between the assembler
 * and the process table / rule engine.
 *
 * Memory: the normalizer owns all storage a kevent points into; it is
 * reused by the next knorm_build().
 */
#ifndef KESTREL_NORMALIZE_H
#define KESTREL_NORMALIZE_H

#include "record/assemble.h"
#include "event/kevent.h"

struct knorm;

struct knorm *knorm_new(void);
void knorm_free(struct knorm *n);
/* Build ev from an assembled event. Returns 0, or -1 when out of memory. */
int knorm_build(struct knorm *n, const struct asm_event *aev, struct kevent *ev);

/* Decode what the normalizer left for later (the PROCTITLE words) into
 * ev's plain fields, for a caller that copies the kevent and reads it
 * without kevent_proctitle() (tests). */
void knorm_fill_lazy(struct kevent *ev);

/* Decode a SOCKADDR saddr= hex string. Returns 0 or -1 (too short/unknown). */
int knorm_decode_sockaddr(const char *hex, size_t hexlen, struct kev_sockaddr *out);

/* Syscall name for an AUDIT_ARCH_* value, from libaudit's tables (cached). */
const char *knorm_syscall_name(uint32_t arch, int syscall);

#endif
