/*
 * conn.h: client connections on the listening socket, and the HTTP/1.1
 * transport of the exchange interface (stream.h).
 *
 * Each connection owns a read buffer of CONN_RBUF bytes and a write queue.
 * A producer may queue up to CONN_QSOFT bytes (xch_room); past that it
 * waits for handler->drain, so a slow reader holds back its producer and
 * never grows memory.  Requests on one connection are served one at a time,
 * in order: pipelined requests wait in the read buffer.
 *
 * The connection list also serves snapshot hygiene: prepare closes idle
 * connections, stops keep-alive and marks the busy ones; restore closes
 * whatever was marked and turns keep-alive back on.
 */
#ifndef CONN_H
#define CONN_H

#define CONN_RBUF	32768		/* head limit plus body slack */
#define CONN_QSOFT	(256 * 1024)	/* queued bytes before producers wait */
#define CONN_IDLE_MS	640000		/* idle keep-alive, as the Go agent */

/* Binds 0.0.0.0:port and starts accepting; 0 or negative errno. */
int conn_listen(int port);

/* Snapshot hygiene (conntracker). */
void conn_snapshot_prepare(void);
void conn_snapshot_restore(void);
/* Number of open client connections. */
int conn_count(void);

#endif
