# src/event: build fragment (included by Makefile.am).
