/*
 * log.h: one event, one line, one write(2) to stdout, as a JSON object:
 *
 *   {"timestamp":"2026-12-03T10:00:00.123456Z","level":"INFO",
 *    "target":"http","message":"listening","port":49983}
 *
 * Extra fields come from a small format: space-separated "key=%x" items,
 * where %x is %s (C string), %b (pointer and length), %d (int),
 * %u (unsigned), %l (long long) or %e (an errno value, written by name).
 * A line longer than LOG_LINE_MAX is cut and still closed as valid JSON.
 * Nothing here allocates.  Never pass tokens or file contents.
 */
#ifndef LOG_H
#define LOG_H

enum { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

#define LOG_LINE_MAX 2048

/* Lowest level written; set from RUST_LOG at start (default info). */
extern int log_level;

void log_init(void);
void log_msg(int level, const char *target, const char *msg,
    const char *fields, ...);
/* The errno name ("EACCES"), or NULL when unknown. */
const char *errno_name(int e);

#endif
