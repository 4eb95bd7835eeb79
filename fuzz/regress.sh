#!/bin/bash
# fuzz/regress.sh — replays the seed corpora (fuzz/corpus/<target>/) and the
# saved crashers (tests/fuzz-regress/<target>/) through the gcc drivers that
# `make` builds (fuzz/fuzz_<target>). Any crash, sanitizer report or
# non-zero exit fails; in an --enable-asan build this is the ASan replay.
# Inputs listed in tests/fuzz-regress/KNOWN (fix pending) are reported as
# XFAIL when they still fail and as "now passes" once fixed, without failing.
# Run by `make check` (KESTREL_SRCDIR/KESTREL_BUILDDIR set) or by hand.
set -u
src=${KESTREL_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
build=${KESTREL_BUILDDIR:-$(pwd)}
targets="record condition rules config cgroup"
# Seconds one input may take before it counts as a hang.
per_input_limit=120
known=$src/tests/fuzz-regress/KNOWN
fail=0 ran=0 xfail=0

is_known() { # target/file -> 0 if listed in KNOWN
	[ -f "$known" ] && grep -q "^$1 " "$known"
}

for t in $targets; do
	drv=$build/fuzz/fuzz_$t
	if [ ! -x "$drv" ]; then
		echo "FAIL: $t: driver $drv not built"
		fail=1
		continue
	fi
	for dir in "$src/fuzz/corpus/$t" "$src/tests/fuzz-regress/$t"; do
		[ -d "$dir" ] || continue
		n=$(find "$dir" -maxdepth 1 -type f | wc -l)
		[ "$n" -gt 0 ] || continue
		# One file at a time, so a failure names its input.
		while IFS= read -r f; do
			id=$t/$(basename "$f")
			if ! out=$(timeout "$per_input_limit" "$drv" "$f" 2>&1); then
				if is_known "$id"; then
					echo "XFAIL (known, fix pending): $id"
					xfail=$((xfail + 1))
				else
					echo "FAIL: $t: $f"
					printf '%s\n' "$out" | tail -40
					fail=1
				fi
			elif is_known "$id"; then
				echo "passes in this build: $id (once it also passes in an --enable-asan build, delete its line in tests/fuzz-regress/KNOWN)"
			fi
			ran=$((ran + 1))
		done < <(find "$dir" -maxdepth 1 -type f | sort)
		echo "$t: $n inputs from ${dir#"$src"/}"
	done
done
echo "regress: $ran inputs replayed, $xfail known failures"
if [ "$ran" -eq 0 ]; then
	echo "FAIL: no inputs found under $src/fuzz/corpus or $src/tests/fuzz-regress"
	exit 1
fi
exit $fail
