/*
 * outbuf.h — transitional: the outputs' growable buffer is now util/buf.h's
 * struct buf. These names remain only so the files that still spell it
 * `struct outbuf` (output_int.h, fuzz/) build until they include
 * util/buf.h themselves; delete this header then.
 */
#ifndef KESTREL_OUTBUF_H
#define KESTREL_OUTBUF_H

#include "util/buf.h"

#define outbuf buf
#define outbuf_reserve buf_reserve
#define outbuf_append buf_append
#define outbuf_puts buf_puts
#define outbuf_putc buf_putc
#define outbuf_printf buf_printf
#define outbuf_reset buf_reset
#define outbuf_free buf_free

#endif
