# src/proc/containers.mk: container, k8s and user context (included by Makefile.am).
