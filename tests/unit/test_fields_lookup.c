/*
 * test_fields_lookup.c — field_lookup() through its sorted index answers
 * as a walk of the field table in order does: the first field of a name,
 * else the first field taking a [NAME] argument whose name is a prefix up
 * to a '.' (evt.arg.flags). The reference walk here reads the table from
 * field_print_table(), which prints it in table order.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/fields.h"

#define MAX_FIELDS 2048

static char *names[MAX_FIELDS];
static int is_key[MAX_FIELDS];
static size_t nnames;

/* The field names in table order, from field_print_table. */
static void read_table(void)
{
	char *text = NULL, *save = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	cr_assert_not_null(f);
	field_print_table(f);
	fclose(f);
	nnames = 0;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[128];
		if (strncmp(line, "Field Class", 11) == 0 || sscanf(line, "%127s", name) != 1)
			continue;
		cr_assert_lt(nnames, MAX_FIELDS);
		char *br = strchr(name, '[');
		is_key[nnames] = br && strcmp(br, "[NAME]") == 0;
		if (br)
			*br = '\0';
		names[nnames++] = strdup(name);
	}
	free(text);
	cr_assert_gt(nnames, 100);
}

/* The walk in table order: index of the answer, -1 if none. */
static long reference(const char *q, const char **dotarg)
{
	*dotarg = NULL;
	for (size_t i = 0; i < nnames; i++)
		if (strcmp(names[i], q) == 0)
			return (long)i;
	for (size_t i = 0; i < nnames; i++) {
		size_t n = strlen(names[i]);
		if (is_key[i] && strncmp(q, names[i], n) == 0 && q[n] == '.' && q[n + 1]) {
			*dotarg = q + n + 1;
			return (long)i;
		}
	}
	return -1;
}

static void check(const char *q)
{
	const char *want_arg, *got_arg = (const char *)1;
	long want = reference(q, &want_arg);
	const struct field_def *got = field_lookup(q, &got_arg);

	if (want < 0) {
		cr_expect_null(got, "'%s': found %s, the walk finds nothing", q,
		               got ? got->name : "");
		return;
	}
	cr_assert_not_null(got, "'%s': not found, the walk finds %s", q, names[want]);
	cr_expect_str_eq(got->name, names[want], "'%s'", q);
	cr_expect_eq(got_arg, want_arg, "'%s': argument %s, the walk's %s", q,
	             got_arg ? got_arg : "(none)", want_arg ? want_arg : "(none)");
}

Test(fields_lookup, index_answers_as_the_table_walk)
{
	static const char *const suffixes[] = {"", ".x", ".", ".a.b", "x", ".flags", "..y"};
	char q[256];

	read_table();
	for (size_t i = 0; i < nnames; i++) {
		for (size_t s = 0; s < sizeof(suffixes) / sizeof(suffixes[0]); s++) {
			snprintf(q, sizeof(q), "%s%s", names[i], suffixes[s]);
			check(q);
		}
		/* every prefix up to a '.' and the name cut short */
		for (const char *dot = strchr(names[i], '.'); dot; dot = strchr(dot + 1, '.')) {
			snprintf(q, sizeof(q), "%.*s", (int)(dot - names[i]), names[i]);
			check(q);
		}
		snprintf(q, sizeof(q), "%.*s", (int)strlen(names[i]) - 1, names[i]);
		check(q);
	}
	check("");
	check(".");
	check("nosuch.field");
	check("evt.arg.flags");
	check("proc.env.HOME");
	check("zzzz");
	for (size_t i = 0; i < nnames; i++)
		free(names[i]);
}
