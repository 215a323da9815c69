/*
 * fuzz_config.c - the configuration parser on arbitrary text: it must
 * accept or reject with a message, never crash, and leave a config that
 * releases cleanly.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config cfg;
	struct error err = ERROR_INIT;
	config_defaults(&cfg);
	if (config_load_text(&cfg, "fuzz", (const char *)data, size, &err) < 0 &&
	    err.msg[0] == '\0')
		abort(); /* every rejection says why */
	config_release(&cfg);
	return 0;
}
