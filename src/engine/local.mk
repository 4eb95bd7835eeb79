# src/engine: build fragment (included by Makefile.am).
