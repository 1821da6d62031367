/*
 * defaults.c: the default environment, user and working directory.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "defaults.h"
#include "util.h"

static struct env_var *vars;
static size_t nvars, capvars;
static char user[DEFAULTS_NAME_MAX + 1] = "root";
static char workdir[PATH_MAX];

/* see defaults.h */
int
env_set(const char *name, size_t nn, const char *val, size_t vn)
{
	struct env_var *nv;
	char *v;
	size_t i;

	if (nn == 0 || memchr(name, '=', nn) || has_nul(name, nn) ||
	    has_nul(val, vn))
		return -EINVAL;
	if ((v = dup_bytes(val, vn)) == NULL)
		return -ENOMEM;
	for (i = 0; i < nvars; i++)
		if (eq_s(name, nn, vars[i].name)) {
			free(vars[i].value);
			vars[i].value = v;
			return 0;
		}
	if (nvars == DEFAULTS_ENV_MAX) {
		free(v);
		return -ENOSPC;
	}
	if (nvars == capvars) {
		size_t cap = capvars ? capvars * 2 : 16;

		if ((nv = realloc(vars, cap * sizeof(*nv))) == NULL) {
			free(v);
			return -ENOMEM;
		}
		vars = nv;
		capvars = cap;
	}
	if ((vars[nvars].name = dup_bytes(name, nn)) == NULL) {
		free(v);
		return -ENOMEM;
	}
	vars[nvars++].value = v;
	return 0;
}

/* see defaults.h */
const char *
env_get(const char *name)
{
	size_t i;

	for (i = 0; i < nvars; i++)
		if (strcmp(vars[i].name, name) == 0)
			return vars[i].value;
	return NULL;
}

/* see defaults.h */
const struct env_var *
env_list(size_t *n)
{
	*n = nvars;
	return vars;
}

/* see defaults.h */
const char *
defaults_user(void)
{
	return user;
}

static int
set_string(char *dst, size_t cap, const char *p, size_t n)
{
	if (n == 0 || n >= cap || has_nul(p, n))
		return -EINVAL;
	memcpy(dst, p, n);
	dst[n] = '\0';
	return 0;
}

/* see defaults.h */
int
defaults_set_user(const char *p, size_t n)
{
	return set_string(user, sizeof(user), p, n);
}

/* see defaults.h */
const char *
defaults_workdir(void)
{
	return workdir;
}

/* see defaults.h */
int
defaults_set_workdir(const char *p, size_t n)
{
	return set_string(workdir, sizeof(workdir), p, n);
}
