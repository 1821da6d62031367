/*
 * msg.c: the pb.h tables of every message in msg.h.
 *
 * Each field table is written against the struct named by T, so a line
 * reads like the .proto: number, kind, label, member, type. The member
 * gives the proto name (FN names the std* ones), and the JSON name is the
 * same unless given (FJ). Field tables are in number order, as the
 * encoders write them. Every entry checks at compile time that its member
 * has the size its kind needs, so a table cannot point the codec at the
 * wrong storage; tools/pbcheck.py checks the rest against protoc.
 */
#include <stddef.h>

#include "msg.h"
#include "util.h"

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)

/* Sizes of a value of each kind; a member of another size will not build. */
#define SZ_UINT32 4
#define SZ_INT32 4
#define SZ_SINT32 4
#define SZ_ENUM 4
#define SZ_INT64 8
#define SZ_UINT64 8
#define SZ_BOOL sizeof(bool)
#define SZ_STRING sizeof(struct pb_bytes)
#define SZ_BYTES sizeof(struct pb_bytes)
#define SZ_MAP sizeof(struct pb_kv)
#define SIZED(x, z) (0 * sizeof(char[sizeof(x) == (z) ? 1 : -1]))
#define MEMBER(c) (((struct T *)0)->c)

#define FX(n, k, l, c, nm, js, sub, e, z) { .num = n, .kind = PB_##k, \
	.label = PB_##l, .off = offsetof(struct T, c) + SIZED(MEMBER(c), z), \
	.name = nm, .json = js, .msg = sub, .en = e }
#define F(n, k, l, c) FX(n, k, l, c, #c, #c, NULL, NULL, SZ_##k)
#define FJ(n, k, l, c, js) FX(n, k, l, c, #c, js, NULL, NULL, SZ_##k)
/* A member named unlike its field (see msg.h). */
#define FN(n, k, l, c, nm) FX(n, k, l, c, nm, nm, NULL, NULL, SZ_##k)
#define M(n, l, c, t) FX(n, MESSAGE, l, c, #c, #c, &pbm_##t, NULL, \
	sizeof(struct t))
#define E(n, c, t) FX(n, ENUM, SINGULAR, c, #c, #c, NULL, &pbe_##t, 4)
/* A member of the message's only oneof (index 0). */
#define O(n, k, c) FX(n, k, ONEOF, c, #c, #c, NULL, NULL, SZ_##k)
#define OM(n, c, t) FX(n, MESSAGE, ONEOF, c, #c, #c, &pbm_##t, NULL, \
	sizeof(struct t))
/* Repeated fields and maps: the array c and its count n_c. */
#define RX(n, k, c, sub, z) { .num = n, .kind = PB_##k, \
	.label = PB_REPEATED, .off = offsetof(struct T, c) + \
	SIZED(*MEMBER(c), z), .cnt = offsetof(struct T, n_##c) + \
	SIZED(MEMBER(n_##c), sizeof(size_t)), .name = #c, .json = #c, \
	.msg = sub }
#define R(n, k, c) RX(n, k, c, NULL, SZ_##k)
#define RM(n, c, t) RX(n, MESSAGE, c, &pbm_##t, sizeof(struct t))

#define FIELDS static const struct pb_field CAT(f_, T)[]
#define TABLE(full, oneofs) const struct pb_msg CAT(pbm_, T) = { full, \
	CAT(f_, T), ARRAY_LEN(CAT(f_, T)), oneofs, sizeof(struct T), \
	PB_WKT_NONE }
#define EMPTY(S, full) const struct pb_msg pbm_##S = { full, NULL, 0, \
	NULL, sizeof(struct S), PB_WKT_NONE }

#define ENUM(S, full) const struct pb_enum pbe_##S = { full, CAT(v_, S), \
	ARRAY_LEN(CAT(v_, S)) }

static const char *const event[] = { "event" };
static const char *const output[] = { "output" };
static const char *const input[] = { "input" };
static const char *const selector[] = { "selector" };

/* google/protobuf/timestamp.proto; JSON: an RFC 3339 string. */

#define T google_protobuf_Timestamp
FIELDS = {
	F(1, INT64, SINGULAR, seconds),
	F(2, INT32, SINGULAR, nanos),
};
const struct pb_msg pbm_google_protobuf_Timestamp = {
	"google.protobuf.Timestamp", CAT(f_, T), 2, NULL, sizeof(struct T),
	PB_WKT_TIMESTAMP
};
#undef T

/* process.proto */

static const struct pb_enumval v_process_Signal[] = {
	{ "SIGNAL_UNSPECIFIED", SIGNAL_UNSPECIFIED },
	{ "SIGNAL_SIGTERM", SIGNAL_SIGTERM },
	{ "SIGNAL_SIGKILL", SIGNAL_SIGKILL },
};
ENUM(process_Signal, "process.Signal");

#define T process_PTY
FIELDS = {
	M(1, SINGULAR, size, process_PTY_Size),
};
TABLE("process.PTY", NULL);
#undef T

#define T process_PTY_Size
FIELDS = {
	F(1, UINT32, SINGULAR, cols),
	F(2, UINT32, SINGULAR, rows),
};
TABLE("process.PTY.Size", NULL);
#undef T

#define T process_ProcessConfig
FIELDS = {
	F(1, STRING, SINGULAR, cmd),
	R(2, STRING, args),
	R(3, MAP, envs),
	F(4, STRING, OPTIONAL, cwd),
};
TABLE("process.ProcessConfig", NULL);
#undef T

EMPTY(process_ListRequest, "process.ListRequest");

#define T process_ProcessInfo
FIELDS = {
	M(1, SINGULAR, config, process_ProcessConfig),
	F(2, UINT32, SINGULAR, pid),
	F(3, STRING, OPTIONAL, tag),
};
TABLE("process.ProcessInfo", NULL);
#undef T

#define T process_ListResponse
FIELDS = {
	RM(1, processes, process_ProcessInfo),
};
TABLE("process.ListResponse", NULL);
#undef T

#define T process_StartRequest
FIELDS = {
	M(1, SINGULAR, process, process_ProcessConfig),
	M(2, OPTIONAL, pty, process_PTY),
	F(3, STRING, OPTIONAL, tag),
	FN(4, BOOL, OPTIONAL, stdin_, "stdin"),
};
TABLE("process.StartRequest", NULL);
#undef T

#define T process_UpdateRequest
FIELDS = {
	M(1, SINGULAR, process, process_ProcessSelector),
	M(2, OPTIONAL, pty, process_PTY),
};
TABLE("process.UpdateRequest", NULL);
#undef T

EMPTY(process_UpdateResponse, "process.UpdateResponse");

#define T process_ProcessEvent
FIELDS = {
	OM(1, start, process_ProcessEvent_StartEvent),
	OM(2, data, process_ProcessEvent_DataEvent),
	OM(3, end, process_ProcessEvent_EndEvent),
	OM(4, keepalive, process_ProcessEvent_KeepAlive),
};
TABLE("process.ProcessEvent", event);
#undef T

#define T process_ProcessEvent_StartEvent
FIELDS = {
	F(1, UINT32, SINGULAR, pid),
};
TABLE("process.ProcessEvent.StartEvent", NULL);
#undef T

#define T process_ProcessEvent_DataEvent
FIELDS = {
	FN(1, BYTES, ONEOF, stdout_, "stdout"),
	FN(2, BYTES, ONEOF, stderr_, "stderr"),
	O(3, BYTES, pty),
};
TABLE("process.ProcessEvent.DataEvent", output);
#undef T

#define T process_ProcessEvent_EndEvent
FIELDS = {
	FJ(1, SINT32, SINGULAR, exit_code, "exitCode"),
	F(2, BOOL, SINGULAR, exited),
	F(3, STRING, SINGULAR, status),
	F(4, STRING, OPTIONAL, error),
};
TABLE("process.ProcessEvent.EndEvent", NULL);
#undef T

EMPTY(process_ProcessEvent_KeepAlive, "process.ProcessEvent.KeepAlive");

#define T process_StartResponse
FIELDS = {
	M(1, SINGULAR, event, process_ProcessEvent),
};
TABLE("process.StartResponse", NULL);
#undef T

#define T process_ConnectResponse
FIELDS = {
	M(1, SINGULAR, event, process_ProcessEvent),
};
TABLE("process.ConnectResponse", NULL);
#undef T

#define T process_SendInputRequest
FIELDS = {
	M(1, SINGULAR, process, process_ProcessSelector),
	M(2, SINGULAR, input, process_ProcessInput),
};
TABLE("process.SendInputRequest", NULL);
#undef T

EMPTY(process_SendInputResponse, "process.SendInputResponse");

#define T process_ProcessInput
FIELDS = {
	FN(1, BYTES, ONEOF, stdin_, "stdin"),
	O(2, BYTES, pty),
};
TABLE("process.ProcessInput", input);
#undef T

#define T process_StreamInputRequest
FIELDS = {
	OM(1, start, process_StreamInputRequest_StartEvent),
	OM(2, data, process_StreamInputRequest_DataEvent),
	OM(3, keepalive, process_StreamInputRequest_KeepAlive),
};
TABLE("process.StreamInputRequest", event);
#undef T

#define T process_StreamInputRequest_StartEvent
FIELDS = {
	M(1, SINGULAR, process, process_ProcessSelector),
};
TABLE("process.StreamInputRequest.StartEvent", NULL);
#undef T

#define T process_StreamInputRequest_DataEvent
FIELDS = {
	M(2, SINGULAR, input, process_ProcessInput),
};
TABLE("process.StreamInputRequest.DataEvent", NULL);
#undef T

EMPTY(process_StreamInputRequest_KeepAlive,
    "process.StreamInputRequest.KeepAlive");
EMPTY(process_StreamInputResponse, "process.StreamInputResponse");

#define T process_SendSignalRequest
FIELDS = {
	M(1, SINGULAR, process, process_ProcessSelector),
	E(2, signal, process_Signal),
};
TABLE("process.SendSignalRequest", NULL);
#undef T

EMPTY(process_SendSignalResponse, "process.SendSignalResponse");

#define T process_CloseStdinRequest
FIELDS = {
	M(1, SINGULAR, process, process_ProcessSelector),
};
TABLE("process.CloseStdinRequest", NULL);
#undef T

EMPTY(process_CloseStdinResponse, "process.CloseStdinResponse");

#define T process_ConnectRequest
FIELDS = {
	M(1, SINGULAR, process, process_ProcessSelector),
};
TABLE("process.ConnectRequest", NULL);
#undef T

#define T process_ProcessSelector
FIELDS = {
	O(1, UINT32, pid),
	O(2, STRING, tag),
};
TABLE("process.ProcessSelector", selector);
#undef T

/* filesystem.proto */

static const struct pb_enumval v_filesystem_FileType[] = {
	{ "FILE_TYPE_UNSPECIFIED", FILE_TYPE_UNSPECIFIED },
	{ "FILE_TYPE_FILE", FILE_TYPE_FILE },
	{ "FILE_TYPE_DIRECTORY", FILE_TYPE_DIRECTORY },
	{ "FILE_TYPE_SYMLINK", FILE_TYPE_SYMLINK },
};
ENUM(filesystem_FileType, "filesystem.FileType");

static const struct pb_enumval v_filesystem_EventType[] = {
	{ "EVENT_TYPE_UNSPECIFIED", EVENT_TYPE_UNSPECIFIED },
	{ "EVENT_TYPE_CREATE", EVENT_TYPE_CREATE },
	{ "EVENT_TYPE_WRITE", EVENT_TYPE_WRITE },
	{ "EVENT_TYPE_REMOVE", EVENT_TYPE_REMOVE },
	{ "EVENT_TYPE_RENAME", EVENT_TYPE_RENAME },
	{ "EVENT_TYPE_CHMOD", EVENT_TYPE_CHMOD },
};
ENUM(filesystem_EventType, "filesystem.EventType");

#define T filesystem_MoveRequest
FIELDS = {
	F(1, STRING, SINGULAR, source),
	F(2, STRING, SINGULAR, destination),
};
TABLE("filesystem.MoveRequest", NULL);
#undef T

#define T filesystem_MoveResponse
FIELDS = {
	M(1, SINGULAR, entry, filesystem_EntryInfo),
};
TABLE("filesystem.MoveResponse", NULL);
#undef T

#define T filesystem_MakeDirRequest
FIELDS = {
	F(1, STRING, SINGULAR, path),
};
TABLE("filesystem.MakeDirRequest", NULL);
#undef T

#define T filesystem_MakeDirResponse
FIELDS = {
	M(1, SINGULAR, entry, filesystem_EntryInfo),
};
TABLE("filesystem.MakeDirResponse", NULL);
#undef T

#define T filesystem_RemoveRequest
FIELDS = {
	F(1, STRING, SINGULAR, path),
};
TABLE("filesystem.RemoveRequest", NULL);
#undef T

EMPTY(filesystem_RemoveResponse, "filesystem.RemoveResponse");

#define T filesystem_StatRequest
FIELDS = {
	F(1, STRING, SINGULAR, path),
};
TABLE("filesystem.StatRequest", NULL);
#undef T

#define T filesystem_StatResponse
FIELDS = {
	M(1, SINGULAR, entry, filesystem_EntryInfo),
};
TABLE("filesystem.StatResponse", NULL);
#undef T

#define T filesystem_EntryInfo
FIELDS = {
	F(1, STRING, SINGULAR, name),
	E(2, type, filesystem_FileType),
	F(3, STRING, SINGULAR, path),
	F(4, INT64, SINGULAR, size),
	F(5, UINT32, SINGULAR, mode),
	F(6, STRING, SINGULAR, permissions),
	F(7, STRING, SINGULAR, owner),
	F(8, STRING, SINGULAR, group),
	FX(9, MESSAGE, SINGULAR, modified_time, "modified_time",
	    "modifiedTime", &pbm_google_protobuf_Timestamp, NULL,
	    sizeof(struct google_protobuf_Timestamp)),
	FJ(10, STRING, OPTIONAL, symlink_target, "symlinkTarget"),
	R(11, MAP, metadata),
};
TABLE("filesystem.EntryInfo", NULL);
#undef T

#define T filesystem_ListDirRequest
FIELDS = {
	F(1, STRING, SINGULAR, path),
	F(2, UINT32, SINGULAR, depth),
};
TABLE("filesystem.ListDirRequest", NULL);
#undef T

#define T filesystem_ListDirResponse
FIELDS = {
	RM(1, entries, filesystem_EntryInfo),
};
TABLE("filesystem.ListDirResponse", NULL);
#undef T

#define T filesystem_WatchDirRequest
FIELDS = {
	F(1, STRING, SINGULAR, path),
	F(2, BOOL, SINGULAR, recursive),
	FJ(3, BOOL, SINGULAR, include_entry, "includeEntry"),
	FJ(4, BOOL, SINGULAR, allow_network_mounts, "allowNetworkMounts"),
};
TABLE("filesystem.WatchDirRequest", NULL);
#undef T

#define T filesystem_FilesystemEvent
FIELDS = {
	F(1, STRING, SINGULAR, name),
	E(2, type, filesystem_EventType),
	M(3, OPTIONAL, entry, filesystem_EntryInfo),
};
TABLE("filesystem.FilesystemEvent", NULL);
#undef T

#define T filesystem_WatchDirResponse
FIELDS = {
	OM(1, start, filesystem_WatchDirResponse_StartEvent),
	OM(2, filesystem, filesystem_FilesystemEvent),
	OM(3, keepalive, filesystem_WatchDirResponse_KeepAlive),
};
TABLE("filesystem.WatchDirResponse", event);
#undef T

EMPTY(filesystem_WatchDirResponse_StartEvent,
    "filesystem.WatchDirResponse.StartEvent");
EMPTY(filesystem_WatchDirResponse_KeepAlive,
    "filesystem.WatchDirResponse.KeepAlive");

#define T filesystem_CreateWatcherRequest
FIELDS = {
	F(1, STRING, SINGULAR, path),
	F(2, BOOL, SINGULAR, recursive),
	FJ(3, BOOL, SINGULAR, include_entry, "includeEntry"),
	FJ(4, BOOL, SINGULAR, allow_network_mounts, "allowNetworkMounts"),
};
TABLE("filesystem.CreateWatcherRequest", NULL);
#undef T

#define T filesystem_CreateWatcherResponse
FIELDS = {
	FJ(1, STRING, SINGULAR, watcher_id, "watcherId"),
};
TABLE("filesystem.CreateWatcherResponse", NULL);
#undef T

#define T filesystem_GetWatcherEventsRequest
FIELDS = {
	FJ(1, STRING, SINGULAR, watcher_id, "watcherId"),
};
TABLE("filesystem.GetWatcherEventsRequest", NULL);
#undef T

#define T filesystem_GetWatcherEventsResponse
FIELDS = {
	RM(1, events, filesystem_FilesystemEvent),
};
TABLE("filesystem.GetWatcherEventsResponse", NULL);
#undef T

#define T filesystem_RemoveWatcherRequest
FIELDS = {
	FJ(1, STRING, SINGULAR, watcher_id, "watcherId"),
};
TABLE("filesystem.RemoveWatcherRequest", NULL);
#undef T

EMPTY(filesystem_RemoveWatcherResponse, "filesystem.RemoveWatcherResponse");

/* see msg.h */
const struct pb_msg *const msg_all[] = {
	&pbm_google_protobuf_Timestamp,
	&pbm_process_PTY, &pbm_process_PTY_Size, &pbm_process_ProcessConfig,
	&pbm_process_ListRequest, &pbm_process_ProcessInfo,
	&pbm_process_ListResponse, &pbm_process_StartRequest,
	&pbm_process_UpdateRequest, &pbm_process_UpdateResponse,
	&pbm_process_ProcessEvent, &pbm_process_ProcessEvent_StartEvent,
	&pbm_process_ProcessEvent_DataEvent,
	&pbm_process_ProcessEvent_EndEvent,
	&pbm_process_ProcessEvent_KeepAlive, &pbm_process_StartResponse,
	&pbm_process_ConnectResponse, &pbm_process_SendInputRequest,
	&pbm_process_SendInputResponse, &pbm_process_ProcessInput,
	&pbm_process_StreamInputRequest,
	&pbm_process_StreamInputRequest_StartEvent,
	&pbm_process_StreamInputRequest_DataEvent,
	&pbm_process_StreamInputRequest_KeepAlive,
	&pbm_process_StreamInputResponse, &pbm_process_SendSignalRequest,
	&pbm_process_SendSignalResponse, &pbm_process_CloseStdinRequest,
	&pbm_process_CloseStdinResponse, &pbm_process_ConnectRequest,
	&pbm_process_ProcessSelector,
	&pbm_filesystem_MoveRequest, &pbm_filesystem_MoveResponse,
	&pbm_filesystem_MakeDirRequest, &pbm_filesystem_MakeDirResponse,
	&pbm_filesystem_RemoveRequest, &pbm_filesystem_RemoveResponse,
	&pbm_filesystem_StatRequest, &pbm_filesystem_StatResponse,
	&pbm_filesystem_EntryInfo, &pbm_filesystem_ListDirRequest,
	&pbm_filesystem_ListDirResponse, &pbm_filesystem_WatchDirRequest,
	&pbm_filesystem_FilesystemEvent, &pbm_filesystem_WatchDirResponse,
	&pbm_filesystem_WatchDirResponse_StartEvent,
	&pbm_filesystem_WatchDirResponse_KeepAlive,
	&pbm_filesystem_CreateWatcherRequest,
	&pbm_filesystem_CreateWatcherResponse,
	&pbm_filesystem_GetWatcherEventsRequest,
	&pbm_filesystem_GetWatcherEventsResponse,
	&pbm_filesystem_RemoveWatcherRequest,
	&pbm_filesystem_RemoveWatcherResponse,
	NULL
};
