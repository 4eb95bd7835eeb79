/*
 * test_netlink.c — record sources without the kernel: netlink datagram
 * framing (unicast length quirk, multicast standard length, several
 * messages, errors, spoofed senders) through audit_source_feed, and the
 * audisp line stream through a pipe.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "source/netlink.h"

#define MAX_SEEN 8
#define SEEN_TEXT 256

struct seen {
	int n;
	int type[MAX_SEEN];
	size_t len[MAX_SEEN];
	int nul_terminated[MAX_SEEN];
	char text[MAX_SEEN][SEEN_TEXT];
};

static void collect(int type, const char *text, size_t len, void *arg)
{
	struct seen *s = arg;
	if (s->n == MAX_SEEN)
		return;
	s->type[s->n] = type;
	s->len[s->n] = len;
	s->nul_terminated[s->n] = text[len] == '\0';
	snprintf(s->text[s->n], SEEN_TEXT, "%.*s", (int)len, text);
	s->n++;
}

/* A source to feed datagrams to: an audisp source over /dev/null. */
static struct audit_source *feed_source(void)
{
	char err[256];
	int fd = open("/dev/null", O_RDONLY);
	cr_assert(fd > 0);
	struct audit_source_opts o = {.mode = AUDIT_SRC_AUDISP, .input_fd = fd};
	struct audit_source *src = audit_source_open(&o, err, sizeof(err));
	cr_assert_not_null(src, "%s", err);
	return src;
}

static void close_feed_source(struct audit_source *src)
{
	int fd = audit_source_fd(src);
	audit_source_close(src);
	close(fd);
}

/* Writes one netlink message at buf+off; nlmsg_len as given. Returns bytes used. */
static size_t put_msg(char *buf, size_t off, int type, const char *text, size_t nlmsg_len)
{
	struct nlmsghdr *h = (struct nlmsghdr *)(buf + off);
	size_t tl = text ? strlen(text) : 0;
	memset(h, 0, sizeof(*h));
	h->nlmsg_type = (unsigned short)type;
	h->nlmsg_len = (unsigned)nlmsg_len;
	if (tl)
		memcpy(buf + off + NLMSG_HDRLEN, text, tl);
	return NLMSG_HDRLEN + tl;
}

static const char REC[] = "audit(1700000000.123:42): arch=c000003e syscall=59 success=yes";

Test(netlink, unicast_length_quirk_delivers_the_whole_record)
{
	struct audit_source *src = feed_source();
	struct seen s = {0};
	char buf[512];
	/* unicast: the kernel puts the payload length alone in nlmsg_len */
	size_t n = put_msg(buf, 0, 1300, REC, strlen(REC));

	cr_assert_eq(audit_source_feed(src, buf, n, 0, collect, &s), 1);
	cr_assert_eq(s.type[0], 1300);
	cr_assert_eq(s.len[0], strlen(REC));
	cr_assert_str_eq(s.text[0], REC);
	cr_assert(s.nul_terminated[0]);
	cr_assert_eq(audit_source_stats(src)->records, 1);
	cr_assert_eq(audit_source_stats(src)->bytes, strlen(REC));
	close_feed_source(src);
}

Test(netlink, multicast_standard_length_delivers_the_same_record)
{
	struct audit_source *src = feed_source();
	struct seen s = {0};
	char buf[512];
	size_t n = put_msg(buf, 0, 1309, REC, NLMSG_HDRLEN + strlen(REC));

	cr_assert_eq(audit_source_feed(src, buf, n, 0, collect, &s), 1);
	cr_assert_eq(s.type[0], 1309);
	cr_assert_str_eq(s.text[0], REC);
	cr_assert_eq(audit_source_stats(src)->malformed, 0);
	close_feed_source(src);
}

Test(netlink, trailing_nul_and_padding_are_not_part_of_the_text)
{
	struct audit_source *src = feed_source();
	struct seen s = {0};
	char buf[512];
	size_t n = put_msg(buf, 0, 1320, "audit(1.2:3): ", NLMSG_HDRLEN + 16);
	memset(buf + n, 0, 2); /* two NULs of padding inside nlmsg_len */

	cr_assert_eq(audit_source_feed(src, buf, n + 2, 0, collect, &s), 1);
	cr_assert_str_eq(s.text[0], "audit(1.2:3): ");
	cr_assert_eq(s.len[0], strlen("audit(1.2:3): "));
	close_feed_source(src);
}

Test(netlink, datagram_from_a_user_process_is_rejected_as_spoofed)
{
	struct audit_source *src = feed_source();
	struct seen s = {0};
	char buf[512];
	size_t n = put_msg(buf, 0, 1300, REC, strlen(REC));

	cr_assert_eq(audit_source_feed(src, buf, n, 4242, collect, &s), 0);
	cr_assert_eq(s.n, 0);
	cr_assert_eq(audit_source_stats(src)->spoofed, 1);
	cr_assert_eq(audit_source_stats(src)->records, 0);
	close_feed_source(src);
}

Test(netlink, several_messages_in_one_datagram_each_nul_terminated)
{
	struct audit_source *src = feed_source();
	struct seen s = {0};
	char buf[1024];
	const char *a = "audit(1.1:7): first=1", *b = "audit(1.1:7): second=2";
	size_t off = 0, la = NLMSG_HDRLEN + strlen(a), lb = NLMSG_HDRLEN + strlen(b);

	memset(buf, 0, sizeof(buf));
	put_msg(buf, off, 1300, a, la);
	off += NLMSG_ALIGN(la);
	put_msg(buf, off, 1302, b, lb);
	off += NLMSG_ALIGN(lb);
	off += put_msg(buf, off, NLMSG_DONE, NULL, NLMSG_HDRLEN);

	cr_assert_eq(audit_source_feed(src, buf, off, 0, collect, &s), 2);
	cr_assert_str_eq(s.text[0], a);
	cr_assert_str_eq(s.text[1], b);
	cr_assert(s.nul_terminated[0] && s.nul_terminated[1]);
	cr_assert_eq(s.type[1], 1302);
	close_feed_source(src);
}

Test(netlink, kernel_error_is_counted_and_an_ack_is_not)
{
	struct audit_source *src = feed_source();
	struct seen s = {0};
	char buf[256];
	struct nlmsgerr e;
	size_t len = NLMSG_HDRLEN + sizeof(e);

	memset(buf, 0, sizeof(buf));
	memset(&e, 0, sizeof(e));
	e.error = -17;
	put_msg(buf, 0, NLMSG_ERROR, NULL, len);
	memcpy(buf + NLMSG_HDRLEN, &e, sizeof(e));
	cr_assert_eq(audit_source_feed(src, buf, len, 0, collect, &s), 0);
	cr_assert_eq(audit_source_stats(src)->nl_errors, 1);

	e.error = 0; /* a plain ACK */
	memcpy(buf + NLMSG_HDRLEN, &e, sizeof(e));
	cr_assert_eq(audit_source_feed(src, buf, len, 0, collect, &s), 0);
	cr_assert_eq(audit_source_stats(src)->nl_errors, 1);
	cr_assert_eq(s.n, 0);
	close_feed_source(src);
}

Test(netlink, header_claiming_more_than_the_datagram_is_malformed)
{
	struct audit_source *src = feed_source();
	struct seen s = {0};
	char buf[512];
	size_t n = put_msg(buf, 0, 1300, REC, 400);

	cr_assert_eq(audit_source_feed(src, buf, n, 0, collect, &s), 0);
	cr_assert_eq(audit_source_stats(src)->malformed, 1);
	cr_assert_eq(s.n, 0);
	close_feed_source(src);
}

Test(netlink, control_replies_are_not_records)
{
	struct audit_source *src = feed_source();
	struct seen s = {0};
	char buf[512];
	size_t n =
	    put_msg(buf, 0, 1000 /* AUDIT_GET reply */, "xxxxxxxxxxxxxxxx", NLMSG_HDRLEN + 16);

	cr_assert_eq(audit_source_feed(src, buf, n, 0, collect, &s), 0);
	cr_assert_eq(s.n, 0);
	close_feed_source(src);
}

/* ---- audisp ---- */

static struct audit_source *pipe_source(int *wfd)
{
	char err[256];
	int p[2];
	cr_assert_eq(pipe(p), 0);
	struct audit_source_opts o = {.mode = AUDIT_SRC_AUDISP, .input_fd = p[0]};
	struct audit_source *src = audit_source_open(&o, err, sizeof(err));
	cr_assert_not_null(src, "%s", err);
	*wfd = p[1];
	return src;
}

static void close_pipe_source(struct audit_source *src, int wfd)
{
	int rfd = audit_source_fd(src);
	audit_source_close(src);
	close(rfd);
	if (wfd >= 0)
		close(wfd);
}

Test(audisp, lines_split_across_reads_are_delivered_whole_with_type_0)
{
	int w;
	struct audit_source *src = pipe_source(&w);
	struct seen s = {0};
	const char *l1 = "type=SYSCALL msg=audit(1.2:3): arch=c000003e syscall=59";

	cr_assert_eq(write(w, l1, 20), 20);
	cr_assert_eq(audit_source_read(src, collect, &s), 0, "half a line is not a record");
	cr_assert_eq(write(w, l1 + 20, strlen(l1) - 20), (ssize_t)(strlen(l1) - 20));
	cr_assert_eq(write(w, "\ntype=EOE msg=audit(1.2:3): \n", 29), 29);
	cr_assert_eq(audit_source_read(src, collect, &s), 2);
	cr_assert_eq(s.type[0], 0);
	cr_assert_str_eq(s.text[0], l1);
	cr_assert(s.nul_terminated[0]);
	cr_assert_str_eq(s.text[1], "type=EOE msg=audit(1.2:3): ");
	cr_assert_eq(audit_source_eof(src), 0);
	close_pipe_source(src, w);
}

static void count_records(int type, const char *text, size_t len, void *arg)
{
	(void)type;
	(void)text;
	(void)len;
	(*(int *)arg)++;
}

/* A storm that never lets the input run dry must still give the loop back
 * (signals, timers, the watchdog): one call delivers a bounded number. */
Test(audisp, one_read_delivers_a_bounded_number_and_the_next_the_rest)
{
	int w, n = 0;
	struct audit_source *src = pipe_source(&w);
	const char line[] = "type=EOE msg=audit(1.2:4): \n";
	const int lines = AUDIT_SOURCE_READ_MAX * 2 + 17;

	cr_assert_lt((size_t)lines * (sizeof(line) - 1), (size_t)65536, "fits in a pipe");
	for (int i = 0; i < lines; i++)
		cr_assert_eq(write(w, line, sizeof(line) - 1), (ssize_t)(sizeof(line) - 1));
	int first = audit_source_read(src, count_records, &n);
	cr_assert_geq(first, AUDIT_SOURCE_READ_MAX);
	cr_assert_lt(first, lines, "the first call stopped at the bound");
	int calls = 1;
	while (n < lines && calls < 10) {
		cr_assert_gt(audit_source_read(src, count_records, &n), 0);
		calls++;
	}
	cr_assert_eq(n, lines, "nothing lost across the calls");
	cr_assert_eq(audit_source_read(src, count_records, &n), 0, "drained");
	close_pipe_source(src, w);
}

Test(audisp, end_of_stream_sets_eof_and_flushes_an_unterminated_line)
{
	int w;
	struct audit_source *src = pipe_source(&w);
	struct seen s = {0};

	cr_assert_eq(write(w, "type=EOE msg=audit(1.2:4): ", 27), 27);
	close(w);
	cr_assert_eq(audit_source_read(src, collect, &s), 1);
	cr_assert_str_eq(s.text[0], "type=EOE msg=audit(1.2:4): ");
	cr_assert_eq(audit_source_eof(src), 1);
	close_pipe_source(src, -1);
}

Test(audisp, overlong_line_is_dropped_and_counted_and_the_next_line_survives)
{
	int w;
	struct audit_source *src = pipe_source(&w);
	struct seen s = {0};
	static char big[AUDIT_SOURCE_LINE_MAX + 100];

	memset(big, 'x', sizeof(big));
	big[sizeof(big) - 1] = '\n';
	/* the pipe holds 64 KiB, so both writes fit before reading */
	cr_assert_eq(write(w, big, sizeof(big)), (ssize_t)sizeof(big));
	cr_assert_eq(write(w, "type=EOE msg=audit(9.9:9): \n", 28), 28);
	cr_assert_eq(audit_source_read(src, collect, &s), 1);
	cr_assert_str_eq(s.text[0], "type=EOE msg=audit(9.9:9): ");
	cr_assert_eq(audit_source_stats(src)->overlong, 1);
	close_pipe_source(src, w);
}

Test(audisp, empty_lines_are_skipped)
{
	int w;
	struct audit_source *src = pipe_source(&w);
	struct seen s = {0};

	cr_assert_eq(write(w, "\n\nA\n\n", 5), 5);
	cr_assert_eq(audit_source_read(src, collect, &s), 1);
	cr_assert_str_eq(s.text[0], "A");
	close_pipe_source(src, w);
}

Test(source, mode_names_round_trip_and_unknown_is_rejected)
{
	cr_assert_eq(audit_source_mode_parse("auto"), AUDIT_SRC_AUTO);
	cr_assert_eq(audit_source_mode_parse("unicast"), AUDIT_SRC_UNICAST);
	cr_assert_eq(audit_source_mode_parse("multicast"), AUDIT_SRC_MULTICAST);
	cr_assert_eq(audit_source_mode_parse("audisp"), AUDIT_SRC_AUDISP);
	cr_assert_eq(audit_source_mode_parse("broadcast"), -1);
	cr_assert_str_eq(audit_source_mode_name(AUDIT_SRC_MULTICAST), "multicast");
}
