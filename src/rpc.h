/*
 * rpc.h: Connect RPC calls on the exchange seam (stream.h).
 *
 * rpc_dispatch() takes a request for /<package>.<Service>/<Method>, works
 * out the protocol and codec from Content-Type (Connect unary:
 * application/proto or application/json; Connect streaming:
 * application/connect+proto or +json), the user (Authorization: Basic, or
 * the default user), the deadline (Connect-Timeout-Ms) and compression,
 * then reads and decodes the request and calls the method.
 *
 * A service is a table of struct rpc_method.  Unary methods fill a zeroed
 * response and return 0, or return rpc_fail()'s value.  Server-streaming
 * methods get the request in start() and then call rpc_send() for each
 * message and rpc_close() once, at any later time; while rpc_room() is 0
 * they wait for drain().  Client-streaming methods get each message in
 * message() and the end in finish(), and answer with rpc_send() (once) and
 * rpc_close().  done() is called exactly once when the call is over,
 * ended or abandoned by the peer; after it the method must not touch c.
 *
 * Memory: request messages and response strings live until done();
 * rpc_alloc() gives response storage freed with the call.
 */
#ifndef RPC_H
#define RPC_H

#include <stddef.h>
#include <stdint.h>

#include "loop.h"
#include "pb.h"
#include "stream.h"
#include "users.h"

/* Connect error codes (the gRPC numbering). */
enum rpc_code {
	RPC_OK, RPC_CANCELED, RPC_UNKNOWN, RPC_INVALID_ARGUMENT,
	RPC_DEADLINE_EXCEEDED, RPC_NOT_FOUND, RPC_ALREADY_EXISTS,
	RPC_PERMISSION_DENIED, RPC_RESOURCE_EXHAUSTED,
	RPC_FAILED_PRECONDITION, RPC_ABORTED, RPC_OUT_OF_RANGE,
	RPC_UNIMPLEMENTED, RPC_INTERNAL, RPC_UNAVAILABLE, RPC_DATA_LOSS,
	RPC_UNAUTHENTICATED
};

enum rpc_kind { RPC_UNARY, RPC_SERVER_STREAM, RPC_CLIENT_STREAM };

#define RPC_MSG_MAX (16 << 20)	/* bound on one decoded request message */
#define RPC_ERRMSG_MAX 1024

struct rpc_call;

struct rpc_method {
	const char *path;		/* "/filesystem.Filesystem/Stat" */
	int kind;
	const struct pb_msg *in, *out;
	int (*unary)(struct rpc_call *c, const void *in, void *out);
	void (*start)(struct rpc_call *c, const void *in);
	void (*message)(struct rpc_call *c, const void *in);
	void (*finish)(struct rpc_call *c);
	void (*drain)(struct rpc_call *c);
	void (*done)(struct rpc_call *c);
	/* Sent after keepalive_ms of silence on a server stream, or NULL. */
	const void *keepalive;
};

struct rpc_block;

struct rpc_call {
	struct xch *x;
	const struct rpc_method *m;
	struct user user;		/* who the call acts as */
	int64_t deadline;		/* loop_now() ms, 0 for none */
	int64_t keepalive_ms;		/* from Keepalive-Ping-Interval */
	void *st;			/* the method's state */
	/* Private to rpc.c. */
	int codec, stream, gzip_in, gzip_out, closed, code;
	char errmsg[RPC_ERRMSG_MAX];
	struct pb_arena arena;
	struct rpc_block *blocks;
	char *in;			/* request bytes being assembled */
	size_t inlen, incap;
	struct timer deadline_timer, keepalive_timer;
};

/* Frees the storage of a call made outside rpc_dispatch, and the call. */
void rpc_release(struct rpc_call *c);

/* Takes over x for an RPC path; answers 404/415 itself when it must. */
void rpc_dispatch(struct xch *x);

/* Records the error for the call; returns -1 for "return rpc_fail(...)". */
int rpc_fail(struct rpc_call *c, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/*
 * The same from an errno: ENOENT not_found, EEXIST already_exists,
 * EACCES/EPERM permission_denied, ENOTDIR/EISDIR/EINVAL/ENAMETOOLONG/ELOOP
 * invalid_argument, ENOSPC/EDQUOT resource_exhausted, else internal.  The
 * message is "<what>: <strerror>".
 */
int rpc_fail_errno(struct rpc_call *c, int err, const char *what);

/* Storage for response strings and arrays, freed after done(). */
void *rpc_alloc(struct rpc_call *c, size_t n);
/* A copy of n bytes as a pb_bytes, in call storage. */
struct pb_bytes rpc_bytes(struct rpc_call *c, const void *p, size_t n);

/* One message of a stream, encoded at once: msg need not outlive it. */
void rpc_send(struct rpc_call *c, const void *msg);
/* Ends a stream: success, or the error given to rpc_fail(). */
void rpc_close(struct rpc_call *c);
/* Bytes a stream may still queue before waiting for drain(). */
size_t rpc_room(const struct rpc_call *c);
/* Holds (1) or resumes (0) reading a client stream's request body. */
void rpc_hold(struct rpc_call *c, int on);

/* Method tables of the services, NULL-path terminated. */
extern const struct rpc_method fs_methods[];
extern const struct rpc_method process_methods[];

#endif
