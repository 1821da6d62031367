/*
 * auth.c: the access token.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "util.h"

static char *token;
static size_t token_len;

/* see auth.h */
int
auth_token_set(void)
{
	return token != NULL;
}

/* see auth.h */
const char *
auth_token(size_t *n)
{
	*n = token_len;
	return token;
}

/* see auth.h */
void
auth_token_clear(void)
{
	if (token) {
		explicit_bzero(token, token_len);
		free(token);
	}
	token = NULL;
	token_len = 0;
}

/* see auth.h */
int
auth_token_install(const char *p, size_t n)
{
	char *t;

	if (n == 0 || n > AUTH_TOKEN_MAX)
		return -EINVAL;
	if ((t = malloc(n)) == NULL)
		return -ENOMEM;
	memcpy(t, p, n);
	auth_token_clear();
	token = t;
	token_len = n;
	return 0;
}

/* see auth.h */
int
auth_token_eq(const char *p, size_t n)
{
	char pad[AUTH_TOKEN_MAX];
	size_t i;
	int same;

	if (token == NULL || n == 0 || n > AUTH_TOKEN_MAX)
		return 0;
	/* Compare over the stored length so timing does not leak it. */
	for (i = 0; i < token_len; i++)
		pad[i] = i < n ? p[i] : 0;
	same = ct_eq(pad, token, token_len);
	explicit_bzero(pad, token_len);
	return same & (n == token_len);
}
