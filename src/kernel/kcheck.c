/*
 * kcheck.c — the parsing half of kcheck (kcheck.h): the real kernel
 * version from uname strings, kernel build options from a (possibly
 * gzipped) kernel config, and the audit switches of the boot command line.
 * kcheck_probe.c collects the facts from the running system with these;
 * kcheck_report.c judges them for `kestrel --check`.
 */
#include "config.h"

#include "kernel/kcheck.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef HAVE_ZLIB
#include <zlib.h>
#endif

/* gzip's first two bytes. */
#define GZIP_MAGIC0 0x1f
#define GZIP_MAGIC1 0x8b

/* ---- version parsing ---------------------------------------------------- */

/* Reads "N.N" or "N.N.N" at s. Returns the count of components (2 or 3),
 * 0 when s does not start with one; *end points after it. */
static int parse_triplet(const char *s, unsigned int v[3], const char **end)
{
	int n = 0;

	v[0] = v[1] = v[2] = 0;
	while (n < 3 && isdigit((unsigned char)*s)) {
		char *e;
		unsigned long x = strtoul(s, &e, 10);

		v[n++] = (unsigned int)x;
		s = e;
		if (n < 3 && *s == '.' && isdigit((unsigned char)s[1]))
			s++;
		else
			break;
	}
	*end = s;
	return n >= 2 ? n : 0;
}

static void copy_text(char *dst, size_t len, const char *src, size_t n)
{
	if (n >= len)
		n = len - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* The next whitespace-separated word of *s (length in *len, 0 at the end
 * of the string); *s moves just past it. */
static const char *next_word(const char **s, size_t *len)
{
	const char *p = *s, *start;

	while (isspace((unsigned char)*p))
		p++;
	start = p;
	while (*p && !isspace((unsigned char)*p))
		p++;
	*len = (size_t)(p - start);
	*s = p;
	return start;
}

/* Finds a distro version token in `uname -v`: "Debian 4.19.208-1",
 * "PMX 6.5.13-1", "Debian 1:6.6.31-1+rpt1". Skips the "#N..." build tag
 * (Ubuntu's "#101~20.04.1-Ubuntu" is a build number, not a version). */
static int version_from_uname_v(const char *s, unsigned int v[3], const char **tok, size_t *toklen)
{
	while (*s) {
		const char *start, *p, *end;
		size_t len;

		start = next_word(&s, &len);
		if (len == 0 || *start == '#')
			continue;
		p = start;
		while (p < s && isdigit((unsigned char)*p))
			p++;
		if (p > start && p < s && *p == ':') /* epoch */
			p++;
		else
			p = start;
		if (parse_triplet(p, v, &end) == 3 && end <= s) {
			*tok = start;
			*toklen = len;
			return 0;
		}
	}
	return -1;
}

int kcheck_kernel_version(const char *uname_release, const char *uname_version,
                          struct kversion *out)
{
	unsigned int r[3] = {0, 0, 0}, v[3];
	const char *end = NULL, *tok;
	size_t toklen;
	int have_rel = 0;

	memset(out, 0, sizeof(*out));
	if (uname_release && parse_triplet(uname_release, r, &end)) {
		have_rel = 1;
		copy_text(out->extra, sizeof(out->extra), end, strlen(end));
	}
	if (uname_version && version_from_uname_v(uname_version, v, &tok, &toklen) == 0 &&
	    (!have_rel || (v[0] == r[0] && v[1] == r[1]))) {
		out->major = v[0];
		out->minor = v[1];
		out->patch = v[2];
		out->from_uname_v = 1;
		copy_text(out->distro, sizeof(out->distro), tok, toklen);
		return 0;
	}
	if (!have_rel) {
		memset(out, 0, sizeof(*out));
		return -1;
	}
	out->major = r[0];
	out->minor = r[1];
	out->patch = r[2];
	return 0;
}

int kcheck_version_at_least(const struct kversion *v, unsigned int major, unsigned int minor,
                            unsigned int patch)
{
	if (v->major != major)
		return v->major > major;
	if (v->minor != minor)
		return v->minor > minor;
	return v->patch >= patch;
}

/* ---- kernel config ------------------------------------------------------ */

const char *kcheck_conf_name(enum kcheck_conf c)
{
	switch (c) {
	case KCONF_ABSENT:
		return "absent";
	case KCONF_NOT_SET:
		return "not set";
	case KCONF_MODULE:
		return "m";
	case KCONF_BUILTIN:
		return "y";
	case KCONF_VALUE:
		return "value";
	case KCONF_UNKNOWN:
		break;
	}
	return "unknown";
}

/* Classifies one config line for option; returns -1 if it is not about it. */
static int config_line(const char *line, const char *option, size_t optlen, enum kcheck_conf *out)
{
	if (strncmp(line, option, optlen) == 0 && line[optlen] == '=') {
		const char *val = line + optlen + 1;

		if (val[0] == 'y' && (val[1] == '\0' || val[1] == '\n'))
			*out = KCONF_BUILTIN;
		else if (val[0] == 'm' && (val[1] == '\0' || val[1] == '\n'))
			*out = KCONF_MODULE;
		else
			*out = KCONF_VALUE;
		return 0;
	}
	if (strncmp(line, "# ", 2) == 0 && strncmp(line + 2, option, optlen) == 0 &&
	    strncmp(line + 2 + optlen, " is not set", strlen(" is not set")) == 0) {
		*out = KCONF_NOT_SET;
		return 0;
	}
	return -1;
}

#ifdef HAVE_ZLIB
/* zlib reads plain files unchanged, so one path serves both kinds. */
static int config_scan(const char *path, const char *option, enum kcheck_conf *out, char *err,
                       size_t errlen)
{
	char line[KCHECK_LINE_MAX];
	size_t optlen = strlen(option);
	gzFile gz = gzopen(path, "rb");

	if (!gz) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno ? errno : EIO));
		return -1;
	}
	*out = KCONF_ABSENT;
	while (gzgets(gz, line, sizeof(line)))
		if (config_line(line, option, optlen, out) == 0)
			break;
	if (!gzeof(gz) && *out == KCONF_ABSENT) {
		int zerr;

		snprintf(err, errlen, "%s: %s", path, gzerror(gz, &zerr));
		gzclose(gz);
		return -1;
	}
	gzclose(gz);
	return 0;
}
#else
/* Without zlib a compressed config is read through `gzip -dc`. */
static FILE *open_gunzip(const char *path, pid_t *child)
{
	int fds[2];
	FILE *fp;

	if (pipe(fds) < 0)
		return NULL;
	*child = fork();
	if (*child < 0) {
		close(fds[0]);
		close(fds[1]);
		return NULL;
	}
	if (*child == 0) {
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		close(fds[1]);
		execlp("gzip", "gzip", "-dc", "--", path, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	fp = fdopen(fds[0], "r");
	if (!fp) {
		close(fds[0]);
		waitpid(*child, NULL, 0);
	}
	return fp;
}

static int config_scan(const char *path, const char *option, enum kcheck_conf *out, char *err,
                       size_t errlen)
{
	char line[KCHECK_LINE_MAX];
	size_t optlen = strlen(option);
	unsigned char magic[2] = {0, 0};
	pid_t child = -1;
	FILE *fp = fopen(path, "re");
	int status;

	if (!fp) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fread(magic, 1, sizeof(magic), fp) == sizeof(magic) && magic[0] == GZIP_MAGIC0 &&
	    magic[1] == GZIP_MAGIC1) {
		fclose(fp);
		fp = open_gunzip(path, &child);
		if (!fp) {
			snprintf(err, errlen, "%s: cannot run gzip: %s", path, strerror(errno));
			return -1;
		}
	} else {
		rewind(fp);
	}
	*out = KCONF_ABSENT;
	while (fgets(line, sizeof(line), fp))
		if (config_line(line, option, optlen, out) == 0)
			break;
	/* Read gzip's output to the end so it exits normally, not on SIGPIPE. */
	while (child > 0 && fgets(line, sizeof(line), fp))
		;
	fclose(fp);
	if (child > 0 && waitpid(child, &status, 0) == child && *out == KCONF_ABSENT &&
	    !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
		snprintf(err, errlen, "%s: gzip -dc failed", path);
		return -1;
	}
	return 0;
}
#endif

int kcheck_config_read(const char *path, const char *option, enum kcheck_conf *out, char *err,
                       size_t errlen)
{
	*out = KCONF_UNKNOWN;
	if (access(path, R_OK) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	errno = 0;
	if (config_scan(path, option, out, err, errlen) < 0) {
		*out = KCONF_UNKNOWN;
		return -1;
	}
	return 0;
}

void kcheck_paths_default(struct kcheck_paths *p)
{
	p->proc = "/proc";
	p->boot = "/boot";
	p->modules = "/lib/modules";
	p->root = "/";
}

int kcheck_config_lookup(const struct kcheck_paths *p, const char *release, const char *option,
                         enum kcheck_conf *out, char *source, size_t sourcelen)
{
	char path[KCHECK_PATH_MAX], err[KCHECK_PATH_MAX];
	int i;

	for (i = 0; i < 3; i++) {
		if (i == 0)
			snprintf(path, sizeof(path), "%s/config.gz", p->proc);
		else if (i == 1)
			snprintf(path, sizeof(path), "%s/config-%s", p->boot, release);
		else
			snprintf(path, sizeof(path), "%s/%s/config", p->modules, release);
		if (kcheck_config_read(path, option, out, err, sizeof(err)) == 0) {
			if (source)
				snprintf(source, sourcelen, "%s", path);
			return 0;
		}
	}
	*out = KCONF_UNKNOWN;
	if (source && sourcelen)
		source[0] = '\0';
	return -1;
}

/* ---- kernel command line ------------------------------------------------ */

void kcheck_cmdline_parse(const char *s, struct kcheck_cmdline *out)
{
	static const char audit_key[] = "audit=";
	static const char backlog_key[] = "audit_backlog_limit=";

	out->audit = KCMD_AUDIT_UNSET;
	out->backlog_limit = -1;
	while (s && *s) {
		const char *start;
		size_t len;

		start = next_word(&s, &len);
		if (len == 2 && strncmp(start, "--", 2) == 0)
			break; /* the rest belongs to init, not the kernel */
		if (len > strlen(audit_key) && strncmp(start, audit_key, strlen(audit_key)) == 0) {
			const char *v = start + strlen(audit_key);
			size_t vlen = len - strlen(audit_key);

			if ((vlen == 1 && *v == '0') ||
			    (vlen == 3 && strncasecmp(v, "off", 3) == 0))
				out->audit = KCMD_AUDIT_OFF;
			else if ((vlen == 1 && *v == '1') ||
			         (vlen == 2 && strncasecmp(v, "on", 2) == 0))
				out->audit = KCMD_AUDIT_ON;
		} else if (len > strlen(backlog_key) &&
		           strncmp(start, backlog_key, strlen(backlog_key)) == 0) {
			out->backlog_limit = strtol(start + strlen(backlog_key), NULL, 10);
		}
	}
}

