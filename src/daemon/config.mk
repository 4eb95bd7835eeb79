# src/daemon/config.mk: kestrel.yaml loader (included by Makefile.am).
