# tests/integration/seed.mk: fragment included by Makefile.am.
