# src/daemon/faults.mk: fragment included by Makefile.am.
