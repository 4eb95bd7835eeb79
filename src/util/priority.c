/*
 * priority.c — Falco's priority spellings (priority.h), parsed without
 * regard to case the way Falco reads a rule's priority: key.
 */
#include <strings.h>

#include "util/priority.h"

static const char *const priority_names[PRIORITY_COUNT] = {
    "Emergency", "Alert", "Critical", "Error", "Warning", "Notice", "Informational", "Debug",
};

const char *priority_to_name(int p)
{
	if (p < PRIORITY_EMERGENCY || p >= PRIORITY_COUNT)
		return "Unknown";
	return priority_names[p];
}

int priority_from_name(const char *s)
{
	if (!s)
		return -1;
	for (int i = 0; i < PRIORITY_COUNT; i++)
		if (strcasecmp(s, priority_names[i]) == 0)
			return i;
	if (strcasecmp(s, "info") == 0)
		return PRIORITY_INFORMATIONAL;
	return -1;
}
