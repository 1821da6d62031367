/*
 * files.h: GET and POST /files (SPEC 3), file transfer over plain HTTP.
 *
 * GET streams a regular file from disk, one buffer at a time and only
 * while the transport has room, as identity or as gzip compressed on the
 * fly; identity answers carry Last-Modified and honour If-Modified-Since,
 * If-None-Match: * and one byte range (206, 416).  POST takes a
 * multipart/form-data body (each part named "file") or a raw
 * application/octet-stream body, either one possibly gzipped as a whole,
 * and writes each file to a temporary file beside its target, renamed
 * over the target only once the file is complete: a failed or cut upload
 * leaves the old file as it was.  Both run as root, like the Go and Rust
 * agents, with new files and directories given to the requesting user.
 * Every error is the JSON body of SPEC 3.7.
 */
#ifndef FILES_H
#define FILES_H

#include <stddef.h>

#include "stream.h"

enum { FILES_IDENTITY, FILES_GZIP };

/*
 * Picks the coding of a download from an Accept-Encoding value (SPEC
 * 3.5; v may be NULL for no header): FILES_IDENTITY or FILES_GZIP, or
 * -EINVAL when nothing acceptable is left (406).  *identity_ok says
 * whether identity may be sent at all.
 */
int files_pick_encoding(const char *v, size_t n, int *identity_ok);

/*
 * Reads a Range value for a file of size bytes (RFC 9110 section 14.1.2):
 * 1 and *start, *len for one satisfiable range; 0 when the whole file is
 * to be sent (not a bytes range, or several ranges); -EINVAL when it is
 * malformed or unsatisfiable (416).
 */
int files_range(const char *v, size_t n, long long size, long long *start,
    long long *len);

/* The route starts: GET (and HEAD) and POST /files. */
void files_get(struct xch *x);
void files_post(struct xch *x);

#endif
