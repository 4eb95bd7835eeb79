# rules/: the default rule files and their tests (included by Makefile.am).
