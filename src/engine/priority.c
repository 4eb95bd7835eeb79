/*
 * priority.c — Falco priority names (alert.h): the eight syslog severities
 * spelled as Falco prints them, parsed case-insensitively with "info" as an
 * alias of Informational.
 */
#include <strings.h>

#include "engine/alert.h"

static const char *const priority_names[] = {
    "Emergency", "Alert", "Critical", "Error", "Warning", "Notice", "Informational", "Debug",
};

const char *priority_name(enum priority p)
{
	if ((int)p < PRI_EMERGENCY || p > PRI_DEBUG)
		return "Unknown";
	return priority_names[p];
}

int priority_parse(const char *s)
{
	if (!s)
		return -1;
	for (int i = PRI_EMERGENCY; i <= PRI_DEBUG; i++)
		if (strcasecmp(s, priority_names[i]) == 0)
			return i;
	if (strcasecmp(s, "info") == 0)
		return PRI_INFORMATIONAL;
	return -1;
}
