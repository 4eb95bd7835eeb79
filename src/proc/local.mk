# src/proc: build fragment (included by Makefile.am).
