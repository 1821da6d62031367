/*
 * router.h: from a request head to a handler.  In order: CORS preflight,
 * the access-token check (auth.h), then the route table by path and
 * method: 405 with Allow for a known path, 404 otherwise.
 */
#ifndef ROUTER_H
#define ROUTER_H

#include "stream.h"

/* Picks x->h (or answers) for a parsed request head. */
void router_dispatch(struct xch *x);

#endif
