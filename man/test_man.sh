#!/bin/bash
# test_man.sh — the man pages say what the program does: kestrel(8)
# documents exactly the options of `kestrel --help`, the field list of
# kestrel-rules(5) is the one `kestrel --list-fields` prints (regenerate
# with tools/gen-fields-man), and every page renders without a groff or
# man warning. Runs in `make check` (no root needed).
set -u
SRCDIR=${KESTREL_SRCDIR:-.}
KESTREL=${KESTREL:-${KESTREL_BUILDDIR:-.}/kestrel}
fail() { echo "FAIL: $*"; exit 1; }

[ -x "$KESTREL" ] || fail "$KESTREL not built"
for c in groff man; do
	command -v "$c" >/dev/null || fail "$c not installed (groff-base, man-db)"
done
W=$(mktemp -d /tmp/kestrel-man.XXXXXX)
trap 'rm -rf "$W"' EXIT

# 1. kestrel(8) OPTIONS: the option names of every tag line (the line after
# .TP) against the option names --help prints at the start of its lines.
"$KESTREL" --help >"$W/help" 2>&1 || fail "kestrel --help failed"
grep -oE '^  (-[A-Za-z]|--[a-z-]+)(, (-[A-Za-z]|--[a-z-]+))?' "$W/help" |
	tr ',' '\n' | tr -d ' ' | grep . | sort -u >"$W/help.opts"
[ "$(wc -l <"$W/help.opts")" -ge 10 ] || fail "found only $(wc -l <"$W/help.opts") options in --help"
awk '/^\.SH /{in_opts = ($0 ~ /^\.SH OPTIONS/)} in_opts && prev == ".TP" {print} {prev = $0}' \
	"$SRCDIR/man/kestrel.8" | sed 's/\\-/-/g' |
	grep -oE '(^|[ "])(-[A-Za-z]|--[a-z-]+)' | tr -d ' "' | sort -u >"$W/man.opts"
if ! diff -u "$W/help.opts" "$W/man.opts" >"$W/opts.diff"; then
	cat "$W/opts.diff"
	fail "kestrel(8) OPTIONS differ from kestrel --help (- only in --help, + only in the page)"
fi
echo "ok: kestrel(8) documents the $(wc -l <"$W/help.opts") options of --help"

# 2. the FIELDS list of kestrel-rules(5) is current.
bash "$SRCDIR/tools/gen-fields-man" --check "$KESTREL" "$SRCDIR/man/kestrel-rules.5" ||
	fail "kestrel-rules(5) FIELDS list is not current"
n=$(grep -c '^\.BR .* " (' "$SRCDIR/man/kestrel-rules.5")
[ "$n" = "$("$KESTREL" --list-fields | grep -c '^[a-z]')" ] || fail "kestrel-rules(5) lists $n fields"
echo "ok: kestrel-rules(5) lists the $n fields of --list-fields"

# 3. every page renders without warnings.
for p in "$SRCDIR"/man/*.[58]; do
	groff -ww -man -Tutf8 -z "$p" 2>"$W/groff.err"
	[ -s "$W/groff.err" ] && { cat "$W/groff.err"; fail "groff -ww warns on $p"; }
	MANWIDTH=80 man -l --warnings=w "$p" >"$W/out" 2>"$W/man.err" </dev/null ||
		fail "man -l $p failed"
	[ -s "$W/man.err" ] && { cat "$W/man.err"; fail "man -l warns on $p"; }
	[ "$(wc -l <"$W/out")" -gt 20 ] || fail "man -l $p rendered almost nothing"
	echo "ok: $(basename "$p") renders cleanly ($(wc -l <"$W/out") lines)"
done
echo "PASS: test_man.sh"
