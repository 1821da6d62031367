/*
 * router.c: CORS, the token middleware and the route table.
 */
#include <string.h>

#include "auth.h"
#include "files.h"
#include "host.h"
#include "rpc.h"
#include "router.h"
#include "util.h"

#define CORS_MAX_AGE "7200"

struct route {
	const char *path;
	int method;
	void (*start)(struct xch *x);
	int exempt;		/* passes without X-Access-Token */
};

static const struct route routes[] = {
	{ "/health", M_GET, host_health, 1 },
	{ "/metrics", M_GET, host_metrics, 0 },
	{ "/envs", M_GET, host_envs, 0 },
	{ "/init", M_POST, host_init, 1 },
	{ "/snapshot/prepare", M_POST, host_snapshot_prepare, 1 },
	{ "/files", M_GET, files_get, 1 },
	{ "/files", M_POST, files_post, 1 },
};

static const char *const method_names[] = {
	[M_GET] = "GET", [M_HEAD] = "HEAD", [M_POST] = "POST",
	[M_PUT] = "PUT", [M_DELETE] = "DELETE", [M_OPTIONS] = "OPTIONS",
	[M_PATCH] = "PATCH",
};

/* A CORS preflight: OPTIONS with Origin and the method asked for. */
static int
preflight(struct xch *x)
{
	const struct req *r = x->req;
	const struct hdr *rh;
	struct hdr h[5];
	int n = 0;

	if (r->method != M_OPTIONS || req_hdr(r, "origin") == NULL ||
	    req_hdr(r, "access-control-request-method") == NULL)
		return 0;
	h[n++] = (struct hdr)HDR_LIT("Access-Control-Allow-Methods",
	    "HEAD, GET, POST, PUT, PATCH, DELETE");
	h[n++] = (struct hdr)HDR_LIT("Access-Control-Max-Age", CORS_MAX_AGE);
	if ((rh = req_hdr(r, "access-control-request-headers")) != NULL)
		h[n++] = (struct hdr){ "Access-Control-Allow-Headers", 28,
			rh->val, rh->vlen };
	h[n++] = (struct hdr)HDR_LIT("Vary", "Origin, "
	    "Access-Control-Request-Method, Access-Control-Request-Headers");
	xch_head(x, 204, h, n, 0);
	xch_end(x, NULL, 0);
	return 1;
}

/* HEAD is served by the GET route. */
static int
method_matches(int route_method, int m)
{
	return route_method == m || (route_method == M_GET && m == M_HEAD);
}

static void
not_allowed(struct xch *x, const char *path)
{
	char allow[64];
	size_t n = 0, i;
	struct hdr h[1];

	for (i = 0; i < ARRAY_LEN(routes); i++) {
		if (!eq_s(path, strlen(path), routes[i].path))
			continue;
		if (n)
			n = (size_t)(stpcpy(allow + n, ", ") - allow);
		n = (size_t)(stpcpy(allow + n,
		    method_names[routes[i].method]) - allow);
		if (routes[i].method == M_GET)
			n = (size_t)(stpcpy(allow + n, ", HEAD") - allow);
	}
	h[0] = (struct hdr){ "Allow", 5, allow, n };
	xch_head(x, 405, h, 1, 0);
	xch_end(x, NULL, 0);
}

/* The token check (Go's middleware): open when no token is set. */
static int
authorized(const struct xch *x, const struct route *rt)
{
	const struct hdr *h;

	if (!auth_token_set() || (rt && rt->exempt))
		return 1;
	h = req_hdr(x->req, "x-access-token");
	return h && auth_token_eq(h->val, h->vlen);
}

/* "/package.Service/Method": the Connect router takes it. */
static int
is_rpc_path(const char *p, size_t n)
{
	const char *slash = n > 1 ? memchr(p + 1, '/', n - 1) : NULL;

	return slash && slash + 1 < p + n && memchr(p + 1, '.',
	    (size_t)(slash - p - 1)) != NULL;
}

/* see router.h */
void
router_dispatch(struct xch *x)
{
	const struct req *r = x->req;
	const struct route *rt = NULL, *any = NULL;
	size_t i;

	if (req_hdr(r, "origin"))
		x->flags |= XF_CORS;
	if (preflight(x))
		return;
	for (i = 0; i < ARRAY_LEN(routes); i++) {
		if (!eq_s(r->path, r->plen, routes[i].path))
			continue;
		any = &routes[i];
		if (method_matches(routes[i].method, r->method))
			rt = &routes[i];
	}
	if (!authorized(x, rt)) {
		xch_error(x, 401, "unauthorized access, please provide a valid "
		    "access token or method signing if supported");
		return;
	}
	if (rt)
		rt->start(x);
	else if (any)
		not_allowed(x, any->path);
	else if (is_rpc_path(r->path, r->plen))
		rpc_dispatch(x);
	else
		xch_error(x, 404, "not found");
}
