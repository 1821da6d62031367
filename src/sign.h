/*
 * sign.h: the signed URLs of /files (SPEC 4.2).  When /init has set an
 * access token, a request to /files passes with that token in
 * X-Access-Token, or with a signature in the query:
 *
 *   signature = "v1_" base64(SHA-256(path ":" op ":" user ":" token
 *                                    [":" expiration]))
 *
 * where path and user are the query values as sent (user "" when absent),
 * base64 is the standard alphabet without padding, and the expiration is
 * signature_expiration in Unix seconds.  The comparison takes the same
 * time wherever the signatures differ.  With no token set every request
 * passes; a malformed signature_expiration is refused either way, as the
 * Rust agent's query parser does.
 */
#ifndef SIGN_H
#define SIGN_H

#include <stddef.h>

#include "stream.h"

/*
 * Checks r for operation op ("read" or "write").  0 when it passes;
 * -EACCES (answer 401) or -EINVAL (answer 400) with the reason in
 * err[0..cap), NUL-ended.
 */
int sign_check(const struct req *r, const char *op, char *err, size_t cap);

#endif
