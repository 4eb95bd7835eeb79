/*
 * crashstate.h — survive kill -9: before kestrel changes the kernel's audit
 * settings it writes what they were to a state file; a clean exit removes
 * it. A start that finds the file of a dead kestrel puts those settings
 * back first, so the new run (and its clean exit) restores what the
 * machine had before any kestrel touched it. Stale kestrel rules are
 * handled by krules_install; a dead audit pid is replaced by the kernel.
 */
#ifndef KESTREL_KERNEL_CRASHSTATE_H
#define KESTREL_KERNEL_CRASHSTATE_H

/* Where the state lives (the systemd unit allows writes to /run/kestrel). */
#define CRASHSTATE_PATH "/run/kestrel/audit-state"

/* Restores a dead run's saved settings, then saves the current ones with
 * this pid. Returns 0, or -1 (logged; kestrel goes on without it). */
int crashstate_begin(const char *path);
/* Clean exit: removes the file. */
void crashstate_end(const char *path);

#endif
