/*
 * replay.h — the replay source: a raw audit log (auditd text form, with or
 * without node= and ENRICHED fields, or the netlink text form "1300
 * audit(...): ...") read line by line into the pipeline.
 */
#ifndef KESTREL_SOURCE_REPLAY_H
#define KESTREL_SOURCE_REPLAY_H

#include "daemon/pipeline.h"

/* Replay path ("-" for stdin) through p, then flush. Returns 0, or -1 if
 * the file cannot be read (logged). */
int replay_file(const char *path, struct pipeline *p);

#endif
