# src/daemon: build fragment (included by Makefile.am).
