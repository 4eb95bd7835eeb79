# man/: checks of the man pages (included by Makefile.am). The pages
# themselves are installed by dist_man_MANS below.
# man/test_man.sh: kestrel(8) matches --help, the FIELDS list of
# kestrel-rules(5) matches --list-fields, and groff/man render without
# warnings. `make update-man-fields` regenerates that list after a change
# to the field table (src/engine/fields.c).
dist_man_MANS = man/kestrel.8 man/kestrel.yaml.5 man/kestrel-rules.5
TESTS += man/test_man.sh
EXTRA_DIST += man/test_man.sh tools/gen-fields-man

update-man-fields: kestrel$(EXEEXT)
	$(SHELL) $(srcdir)/tools/gen-fields-man ./kestrel$(EXEEXT) $(srcdir)/man/kestrel-rules.5
.PHONY: update-man-fields
