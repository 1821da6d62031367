/*
 * msg.h: the messages of proto/process.proto and proto/filesystem.proto
 * (plus google.protobuf.Timestamp) as C structs and pb.h tables.
 *
 * Names: message pkg.A.B is "struct pkg_A_B", described by the table
 * "pbm_pkg_A_B"; enum pkg.E has the table "pbe_pkg_E" and C constants
 * named as in the .proto (SIGNAL_SIGKILL, FILE_TYPE_DIRECTORY,
 * EVENT_TYPE_CREATE). Members carry the proto field names, except
 * stdin, stdout and stderr, which are macros in <stdio.h> and so get a
 * trailing underscore. The struct layout follows pb.h: "has" first,
 * strings as struct pb_bytes, repeated x as n_x plus x, maps as arrays
 * of struct pb_kv, nested messages inline.
 *
 * Presence masks are named pkg_A_B_field and are tested and set on
 * "has": for oneof members, optional fields and message fields.
 *
 *	struct process_StartResponse r = { 0 };
 *	r.event.has = process_ProcessEvent_end;
 *	r.event.end.exited = 1;
 *
 * tools/pbcheck.py compares these tables with what protoc says of the
 * .proto files, so a change to one side alone fails the tests.
 */
#ifndef MSG_H
#define MSG_H

#include "pb.h"

/* google/protobuf/timestamp.proto */

struct google_protobuf_Timestamp {
	uint32_t has;
	int64_t seconds;
	int32_t nanos;
};

/* process.proto */

enum process_Signal {
	SIGNAL_UNSPECIFIED = 0,
	SIGNAL_SIGTERM = 15,
	SIGNAL_SIGKILL = 9
};

struct process_PTY_Size {
	uint32_t has;
	uint32_t cols, rows;
};

struct process_PTY {
	uint32_t has;
	struct process_PTY_Size size;
};

struct process_ProcessConfig {
	uint32_t has;
	struct pb_bytes cmd;
	size_t n_args;
	struct pb_bytes *args;
	size_t n_envs;
	struct pb_kv *envs;
	struct pb_bytes cwd;
};

struct process_ProcessSelector {
	uint32_t has;
	uint32_t pid;
	struct pb_bytes tag;
};

struct process_ProcessInput {
	uint32_t has;
	struct pb_bytes stdin_, pty;
};

struct process_ListRequest { uint32_t has; };

struct process_ProcessInfo {
	uint32_t has;
	struct process_ProcessConfig config;
	uint32_t pid;
	struct pb_bytes tag;
};

struct process_ListResponse {
	uint32_t has;
	size_t n_processes;
	struct process_ProcessInfo *processes;
};

struct process_StartRequest {
	uint32_t has;
	struct process_ProcessConfig process;
	struct process_PTY pty;
	struct pb_bytes tag;
	bool stdin_;		/* when absent, true */
};

struct process_UpdateRequest {
	uint32_t has;
	struct process_ProcessSelector process;
	struct process_PTY pty;
};

struct process_UpdateResponse { uint32_t has; };

struct process_ProcessEvent_StartEvent {
	uint32_t has;
	uint32_t pid;
};

struct process_ProcessEvent_DataEvent {
	uint32_t has;
	struct pb_bytes stdout_, stderr_, pty;
};

struct process_ProcessEvent_EndEvent {
	uint32_t has;
	int32_t exit_code;
	bool exited;
	struct pb_bytes status, error;
};

struct process_ProcessEvent_KeepAlive { uint32_t has; };

struct process_ProcessEvent {
	uint32_t has;
	struct process_ProcessEvent_StartEvent start;
	struct process_ProcessEvent_DataEvent data;
	struct process_ProcessEvent_EndEvent end;
	struct process_ProcessEvent_KeepAlive keepalive;
};

struct process_StartResponse {
	uint32_t has;
	struct process_ProcessEvent event;
};

struct process_ConnectResponse {
	uint32_t has;
	struct process_ProcessEvent event;
};

struct process_SendInputRequest {
	uint32_t has;
	struct process_ProcessSelector process;
	struct process_ProcessInput input;
};

struct process_SendInputResponse { uint32_t has; };

struct process_StreamInputRequest_StartEvent {
	uint32_t has;
	struct process_ProcessSelector process;
};

struct process_StreamInputRequest_DataEvent {
	uint32_t has;
	struct process_ProcessInput input;
};

struct process_StreamInputRequest_KeepAlive { uint32_t has; };

struct process_StreamInputRequest {
	uint32_t has;
	struct process_StreamInputRequest_StartEvent start;
	struct process_StreamInputRequest_DataEvent data;
	struct process_StreamInputRequest_KeepAlive keepalive;
};

struct process_StreamInputResponse { uint32_t has; };

struct process_SendSignalRequest {
	uint32_t has;
	struct process_ProcessSelector process;
	int32_t signal;
};

struct process_SendSignalResponse { uint32_t has; };

struct process_CloseStdinRequest {
	uint32_t has;
	struct process_ProcessSelector process;
};

struct process_CloseStdinResponse { uint32_t has; };

struct process_ConnectRequest {
	uint32_t has;
	struct process_ProcessSelector process;
};

enum {
	process_PTY_size = PB_BIT(1),
	process_ProcessConfig_cwd = PB_BIT(4),
	process_ProcessSelector_pid = PB_BIT(1),
	process_ProcessSelector_tag = PB_BIT(2),
	process_ProcessInput_stdin = PB_BIT(1),
	process_ProcessInput_pty = PB_BIT(2),
	process_ProcessInfo_config = PB_BIT(1),
	process_ProcessInfo_tag = PB_BIT(3),
	process_StartRequest_process = PB_BIT(1),
	process_StartRequest_pty = PB_BIT(2),
	process_StartRequest_tag = PB_BIT(3),
	process_StartRequest_stdin = PB_BIT(4),
	process_UpdateRequest_process = PB_BIT(1),
	process_UpdateRequest_pty = PB_BIT(2),
	process_ProcessEvent_DataEvent_stdout = PB_BIT(1),
	process_ProcessEvent_DataEvent_stderr = PB_BIT(2),
	process_ProcessEvent_DataEvent_pty = PB_BIT(3),
	process_ProcessEvent_EndEvent_error = PB_BIT(4),
	process_ProcessEvent_start = PB_BIT(1),
	process_ProcessEvent_data = PB_BIT(2),
	process_ProcessEvent_end = PB_BIT(3),
	process_ProcessEvent_keepalive = PB_BIT(4),
	process_StartResponse_event = PB_BIT(1),
	process_ConnectResponse_event = PB_BIT(1),
	process_SendInputRequest_process = PB_BIT(1),
	process_SendInputRequest_input = PB_BIT(2),
	process_StreamInputRequest_StartEvent_process = PB_BIT(1),
	process_StreamInputRequest_DataEvent_input = PB_BIT(2),
	process_StreamInputRequest_start = PB_BIT(1),
	process_StreamInputRequest_data = PB_BIT(2),
	process_StreamInputRequest_keepalive = PB_BIT(3),
	process_SendSignalRequest_process = PB_BIT(1),
	process_CloseStdinRequest_process = PB_BIT(1),
	process_ConnectRequest_process = PB_BIT(1)
};

/* filesystem.proto; fields marked E2B are not in Wrenn's contract. */

enum filesystem_FileType {
	FILE_TYPE_UNSPECIFIED = 0,
	FILE_TYPE_FILE = 1,
	FILE_TYPE_DIRECTORY = 2,
	FILE_TYPE_SYMLINK = 3
};

enum filesystem_EventType {
	EVENT_TYPE_UNSPECIFIED = 0,
	EVENT_TYPE_CREATE = 1,
	EVENT_TYPE_WRITE = 2,
	EVENT_TYPE_REMOVE = 3,
	EVENT_TYPE_RENAME = 4,
	EVENT_TYPE_CHMOD = 5
};

struct filesystem_EntryInfo {
	uint32_t has;
	struct pb_bytes name;
	int32_t type;			/* enum filesystem_FileType */
	struct pb_bytes path;
	int64_t size;
	uint32_t mode;
	struct pb_bytes permissions, owner, group;
	struct google_protobuf_Timestamp modified_time;
	struct pb_bytes symlink_target;
	size_t n_metadata;		/* E2B */
	struct pb_kv *metadata;
};

struct filesystem_MoveRequest {
	uint32_t has;
	struct pb_bytes source, destination;
};

struct filesystem_MoveResponse {
	uint32_t has;
	struct filesystem_EntryInfo entry;
};

struct filesystem_MakeDirRequest {
	uint32_t has;
	struct pb_bytes path;
};

struct filesystem_MakeDirResponse {
	uint32_t has;
	struct filesystem_EntryInfo entry;
};

struct filesystem_RemoveRequest {
	uint32_t has;
	struct pb_bytes path;
};

struct filesystem_RemoveResponse { uint32_t has; };

struct filesystem_StatRequest {
	uint32_t has;
	struct pb_bytes path;
};

struct filesystem_StatResponse {
	uint32_t has;
	struct filesystem_EntryInfo entry;
};

struct filesystem_ListDirRequest {
	uint32_t has;
	struct pb_bytes path;
	uint32_t depth;
};

struct filesystem_ListDirResponse {
	uint32_t has;
	size_t n_entries;
	struct filesystem_EntryInfo *entries;
};

struct filesystem_WatchDirRequest {
	uint32_t has;
	struct pb_bytes path;
	bool recursive;
	bool include_entry;		/* E2B */
	bool allow_network_mounts;	/* E2B */
};

struct filesystem_FilesystemEvent {
	uint32_t has;
	struct pb_bytes name;
	int32_t type;			/* enum filesystem_EventType */
	struct filesystem_EntryInfo entry;	/* E2B */
};

struct filesystem_WatchDirResponse_StartEvent { uint32_t has; };

struct filesystem_WatchDirResponse_KeepAlive { uint32_t has; };

struct filesystem_WatchDirResponse {
	uint32_t has;
	struct filesystem_WatchDirResponse_StartEvent start;
	struct filesystem_FilesystemEvent filesystem;
	struct filesystem_WatchDirResponse_KeepAlive keepalive;
};

struct filesystem_CreateWatcherRequest {
	uint32_t has;
	struct pb_bytes path;
	bool recursive;
	bool include_entry;		/* E2B */
	bool allow_network_mounts;	/* E2B */
};

struct filesystem_CreateWatcherResponse {
	uint32_t has;
	struct pb_bytes watcher_id;
};

struct filesystem_GetWatcherEventsRequest {
	uint32_t has;
	struct pb_bytes watcher_id;
};

struct filesystem_GetWatcherEventsResponse {
	uint32_t has;
	size_t n_events;
	struct filesystem_FilesystemEvent *events;
};

struct filesystem_RemoveWatcherRequest {
	uint32_t has;
	struct pb_bytes watcher_id;
};

struct filesystem_RemoveWatcherResponse { uint32_t has; };

enum {
	filesystem_EntryInfo_modified_time = PB_BIT(9),
	filesystem_EntryInfo_symlink_target = PB_BIT(10),
	filesystem_MoveResponse_entry = PB_BIT(1),
	filesystem_MakeDirResponse_entry = PB_BIT(1),
	filesystem_StatResponse_entry = PB_BIT(1),
	filesystem_FilesystemEvent_entry = PB_BIT(3),
	filesystem_WatchDirResponse_start = PB_BIT(1),
	filesystem_WatchDirResponse_filesystem = PB_BIT(2),
	filesystem_WatchDirResponse_keepalive = PB_BIT(3)
};

extern const struct pb_enum pbe_process_Signal;
extern const struct pb_enum pbe_filesystem_FileType;
extern const struct pb_enum pbe_filesystem_EventType;

extern const struct pb_msg pbm_google_protobuf_Timestamp;

extern const struct pb_msg pbm_process_PTY;
extern const struct pb_msg pbm_process_PTY_Size;
extern const struct pb_msg pbm_process_ProcessConfig;
extern const struct pb_msg pbm_process_ListRequest;
extern const struct pb_msg pbm_process_ProcessInfo;
extern const struct pb_msg pbm_process_ListResponse;
extern const struct pb_msg pbm_process_StartRequest;
extern const struct pb_msg pbm_process_UpdateRequest;
extern const struct pb_msg pbm_process_UpdateResponse;
extern const struct pb_msg pbm_process_ProcessEvent;
extern const struct pb_msg pbm_process_ProcessEvent_StartEvent;
extern const struct pb_msg pbm_process_ProcessEvent_DataEvent;
extern const struct pb_msg pbm_process_ProcessEvent_EndEvent;
extern const struct pb_msg pbm_process_ProcessEvent_KeepAlive;
extern const struct pb_msg pbm_process_StartResponse;
extern const struct pb_msg pbm_process_ConnectResponse;
extern const struct pb_msg pbm_process_SendInputRequest;
extern const struct pb_msg pbm_process_SendInputResponse;
extern const struct pb_msg pbm_process_ProcessInput;
extern const struct pb_msg pbm_process_StreamInputRequest;
extern const struct pb_msg pbm_process_StreamInputRequest_StartEvent;
extern const struct pb_msg pbm_process_StreamInputRequest_DataEvent;
extern const struct pb_msg pbm_process_StreamInputRequest_KeepAlive;
extern const struct pb_msg pbm_process_StreamInputResponse;
extern const struct pb_msg pbm_process_SendSignalRequest;
extern const struct pb_msg pbm_process_SendSignalResponse;
extern const struct pb_msg pbm_process_CloseStdinRequest;
extern const struct pb_msg pbm_process_CloseStdinResponse;
extern const struct pb_msg pbm_process_ConnectRequest;
extern const struct pb_msg pbm_process_ProcessSelector;

extern const struct pb_msg pbm_filesystem_MoveRequest;
extern const struct pb_msg pbm_filesystem_MoveResponse;
extern const struct pb_msg pbm_filesystem_MakeDirRequest;
extern const struct pb_msg pbm_filesystem_MakeDirResponse;
extern const struct pb_msg pbm_filesystem_RemoveRequest;
extern const struct pb_msg pbm_filesystem_RemoveResponse;
extern const struct pb_msg pbm_filesystem_StatRequest;
extern const struct pb_msg pbm_filesystem_StatResponse;
extern const struct pb_msg pbm_filesystem_EntryInfo;
extern const struct pb_msg pbm_filesystem_ListDirRequest;
extern const struct pb_msg pbm_filesystem_ListDirResponse;
extern const struct pb_msg pbm_filesystem_WatchDirRequest;
extern const struct pb_msg pbm_filesystem_FilesystemEvent;
extern const struct pb_msg pbm_filesystem_WatchDirResponse;
extern const struct pb_msg pbm_filesystem_WatchDirResponse_StartEvent;
extern const struct pb_msg pbm_filesystem_WatchDirResponse_KeepAlive;
extern const struct pb_msg pbm_filesystem_CreateWatcherRequest;
extern const struct pb_msg pbm_filesystem_CreateWatcherResponse;
extern const struct pb_msg pbm_filesystem_GetWatcherEventsRequest;
extern const struct pb_msg pbm_filesystem_GetWatcherEventsResponse;
extern const struct pb_msg pbm_filesystem_RemoveWatcherRequest;
extern const struct pb_msg pbm_filesystem_RemoveWatcherResponse;

/* Every table above, for tests and for lookup by name; NULL-terminated. */
extern const struct pb_msg *const msg_all[];

#endif
