/*
 * overlay.h — which layer of a container's overlay root an executable
 * comes from (Falco's proc.is_exe_upper_layer / is_exe_lower_layer): the
 * upper directory of the overlay mounted at the process's root, from
 * /proc/<pid>/mountinfo, and whether the executable exists there. Live
 * only, at the exec, and only when the exec's PATH record puts the
 * executable on an anonymous device (major 0: overlayfs and other virtual
 * file systems), so host execs cost nothing.
 */
#ifndef KESTREL_OVERLAY_H
#define KESTREL_OVERLAY_H

#include <stddef.h>
#include <stdint.h>

#include "proc/proc.h"

/* The upperdir= of the overlay mounted at "/" in the mountinfo text at
 * path (the last mount of "/" wins, as it hides the others) into out.
 * Returns 1, 0 when the root is not an overlay (or has no upper dir), -1
 * when path cannot be read or out is too small. */
int overlay_root_upperdir(const char *mountinfo_path, char *out, size_t n);

/* The upperdir= of the overlay whose device is audit_dev (audit's hex
 * "00:2f", as in a PATH record's dev=) in the mountinfo at path, wherever
 * it is mounted: how kestrel finds a container's root from its own mount
 * namespace once the process has exited. Returns as above; 0 also for a
 * malformed audit_dev. */
int overlay_dev_upperdir(const char *mountinfo_path, const char *audit_dev, char *out, size_t n);

/* The layer (enum proc_exe_layer) of exepath under the overlay root the
 * mountinfo at path describes: upper when the file exists in the upper
 * directory, else lower; unknown when the root is no overlay or path
 * cannot be read. */
int overlay_exe_layer(const char *mountinfo_path, const char *exepath);

/* Sets p->exe_layer for the exec event ev of a live table (unknown
 * otherwise): from /proc/<pid>/mountinfo, or, when the process is gone,
 * from the overlay of the executable's device in /proc/self/mountinfo. */
void overlay_exec(enum proc_table_mode mode, struct proc *p, const struct kevent *ev);

#endif
