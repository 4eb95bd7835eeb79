# src/audit: build fragment (included by Makefile.am).
