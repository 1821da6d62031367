/*
 * host.h: the plain HTTP endpoints the host calls: /health, /metrics,
 * /envs, /init and /snapshot/prepare, with the CPU sampler behind /metrics
 * and the snapshot steps behind prepare and post-restore recovery.
 */
#ifndef HOST_H
#define HOST_H

#include "stream.h"

#define ENVD_VERSION "0.3.0"
#define CPU_SAMPLE_MS 1000		/* as the Rust agent's sampler */

/* Starts the CPU sampler; call once before the loop runs. */
void host_start(void);

void host_health(struct xch *x);
void host_metrics(struct xch *x);
void host_envs(struct xch *x);
void host_init(struct xch *x);
void host_snapshot_prepare(struct xch *x);

#endif
