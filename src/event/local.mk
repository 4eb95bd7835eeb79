# src/event: the normalized event (kevent) and the normalizer.
libkestrel_a_SOURCES += src/event/kevent.h src/event/normalize.c src/event/normalize.h \
	src/event/sockaddr.c \
	src/event/kevent_json.c src/event/kevent_json.h src/event/kevent_json_write.c
