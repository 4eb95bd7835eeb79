# src/audit/live.mk: netlink sources and kernel rules (included by Makefile.am).
