# src/daemon/kcheck.mk: kernel and environment detection (included by Makefile.am).
