# rules/: the default rule files and their tests (included by Makefile.am).
# The rule files are installed to $(sysconfdir)/kestrel; the local file is
# the user's and is never overwritten (install-data-local below).
kestrelrulesdir = $(sysconfdir)/kestrel
dist_kestrelrules_DATA = rules/kestrel_rules.yaml
# for auditd users to copy into /etc/audit/rules.d (see the file header)
auditrulesdir = $(pkgdatadir)/audit-rules
dist_auditrules_DATA = audit-rules/kestrel.rules

EXTRA_DIST += rules/kestrel_rules.local.yaml tests/fixtures/rules-replay \
	tools/record-rule-fixture

install-data-local: install-kestrel-local-rules
install-kestrel-local-rules:
	$(MKDIR_P) '$(DESTDIR)$(kestrelrulesdir)'
	test -f '$(DESTDIR)$(kestrelrulesdir)/kestrel_rules.local.yaml' || \
		$(INSTALL_DATA) '$(srcdir)/rules/kestrel_rules.local.yaml' \
			'$(DESTDIR)$(kestrelrulesdir)/kestrel_rules.local.yaml'
# uninstall removes it only when the user never changed it
uninstall-local: uninstall-kestrel-local-rules
uninstall-kestrel-local-rules:
	f='$(DESTDIR)$(kestrelrulesdir)/kestrel_rules.local.yaml'; \
	if cmp -s "$$f" '$(srcdir)/rules/kestrel_rules.local.yaml'; then rm -f "$$f"; fi
.PHONY: install-kestrel-local-rules uninstall-kestrel-local-rules
