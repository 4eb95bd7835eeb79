/*
 * yamldepth.c — a libyaml event pass counting nesting depth (see
 * yamldepth.h). It stops at the first node past the limit, so its own cost
 * stays linear in the part of the file it reads.
 */
#include "config.h"

#include <yaml.h>

#include "util/yamldepth.h"

int yaml_check_depth(const char *text, size_t len, int max, size_t *line, size_t *col)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	int depth = 0, rc = 0;

	if (!yaml_parser_initialize(&parser))
		return 0;
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	for (;;) {
		if (!yaml_parser_parse(&parser, &ev))
			break; /* a syntax error: the real parse reports it */
		yaml_event_type_t t = ev.type;
		if (t == YAML_SEQUENCE_START_EVENT || t == YAML_MAPPING_START_EVENT) {
			if (++depth > max) {
				*line = ev.start_mark.line + 1;
				*col = ev.start_mark.column + 1;
				rc = -1;
			}
		} else if (t == YAML_SEQUENCE_END_EVENT || t == YAML_MAPPING_END_EVENT) {
			depth--;
		}
		yaml_event_delete(&ev);
		if (rc < 0 || t == YAML_STREAM_END_EVENT)
			break;
	}
	yaml_parser_delete(&parser);
	return rc;
}
