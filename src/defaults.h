/*
 * defaults.h: what /init sets for every later process and file operation:
 * the default environment (an ordered map), the default user and the
 * default working directory.
 */
#ifndef DEFAULTS_H
#define DEFAULTS_H

#include <stddef.h>

#define DEFAULTS_NAME_MAX 256		/* user name bound */
#define DEFAULTS_ENV_MAX 4096		/* variables in the default map */

struct env_var {
	char *name;
	char *value;
};

/* Sets (or replaces) one variable; 0, or -ENOMEM / -ENOSPC / -EINVAL. */
int env_set(const char *name, size_t nn, const char *val, size_t vn);
/* The value, or NULL. */
const char *env_get(const char *name);
/* The variables in the order they were first set. */
const struct env_var *env_list(size_t *n);

/* Default user ("root" until /init says otherwise). */
const char *defaults_user(void);
int defaults_set_user(const char *p, size_t n);
/* Default working directory, or "" when none. */
const char *defaults_workdir(void);
int defaults_set_workdir(const char *p, size_t n);

#endif
