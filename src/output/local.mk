# src/output: build fragment (included by Makefile.am).
