/*
 * auth.h: the access token set by /init.  It lives in one heap buffer that
 * is wiped before it is freed or replaced; comparisons take the same time
 * wherever the inputs differ.
 */
#ifndef AUTH_H
#define AUTH_H

#include <stddef.h>

#define AUTH_TOKEN_MAX 4096	/* longest token accepted */

int auth_token_set(void);
/* Installs a token (n > 0); 0, or -ENOMEM / -EINVAL. */
int auth_token_install(const char *p, size_t n);
void auth_token_clear(void);
/* The token and its length in *n, or NULL when none is set. */
const char *auth_token(size_t *n);
/* 1 when a token is set and the n bytes at p equal it. */
int auth_token_eq(const char *p, size_t n);

#endif
