#!/bin/sh
# build.sh: the one build script of envd.
#
#   ./build.sh            release: build/envd, static musl, stripped
#   ./build.sh dev        build/envd-dev with gcc, -g, ASan and UBSan
#   ./build.sh test       unit tests (dev build), fuzz smoke, end-to-end tests
#   ./build.sh run [...]  release build, then run it on port 49983, safe mode;
#                         arguments go to envd (./build.sh run --port 5000)
#   ./build.sh fuzz [S]   every fuzz target for S seconds each (default 60)
#   ./build.sh bench      size, idle RSS and start-up time against baselines
#
# zlib and BearSSL come from pinned source releases checked by SHA-256:
# Debian's source packages, or directories named by ENVD_ZLIB_DIR and
# ENVD_BEARSSL_DIR.
set -eu

cd "$(dirname "$0")"
TOP=$(pwd)
OUT=$TOP/build
DEPS=${ENVD_DEPS_DIR:-$TOP/deps}

ZLIB_VER=1:1.2.13.dfsg-1
ZLIB_TAR=zlib_1.2.13.dfsg.orig.tar.bz2
ZLIB_SHA=71feb7947e3c00ef125f83b79a4e529bde31171e5babe48b391f06758d1ab0a1
BEARSSL_VER=0.6+dfsg.1-3
BEARSSL_TAR=bearssl_0.6+dfsg.1.orig.tar.xz
BEARSSL_SHA=102a625bd8f6155260867a50c508df8d8c3f796985dd744df1a68e5cd1a79004

SRCS="main loop conn http1 stream router host procfs json log util auth
	defaults mount pid1 pb msg b64 rpc gz users paths process spawn cgroup
	fs entry watch files multipart sign"
ZLIB_SRCS="adler32 crc32 deflate trees zutil inflate inftrees inffast"
BEARSSL_SRCS="hash/sha2small hash/sha2big mac/hmac codec/dec32be
	codec/enc32be codec/dec64be codec/enc64be"

WARN="-Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
	-Wcast-qual -Wno-unused-parameter -Wno-missing-field-initializers"
[ "${CI:-}" = true ] && WARN="$WARN -Werror"
CSTD="-std=c11 -D_GNU_SOURCE"

say() { printf '%s\n' "build.sh: $*" >&2; }
die() { say "$*"; exit 1; }

# Installs Debian packages when root; otherwise says what is missing.
need() {
	missing=""
	for p in "$@"; do
		dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" != 0 ]; then
		die "missing packages:$missing (apt-get install$missing)"
	fi
	say "installing$missing"
	if ! apt-get install -y -qq $missing >/dev/null 2>&1; then
		apt-get update -qq >/dev/null 2>&1 || true
		apt-get install -y -qq $missing >/dev/null ||
			die "apt-get install$missing failed"
	fi
}

commit() {
	if [ -n "${ENVD_COMMIT:-}" ]; then
		echo "$ENVD_COMMIT"
	else
		git -C "$TOP" rev-parse --short HEAD 2>/dev/null || echo unknown
	fi
}

# Adds deb-src entries beside the configured Debian ones, once.
deb_src() {
	[ "$(id -u)" = 0 ] || die "need deb-src entries to fetch sources" \
		"(or set ENVD_ZLIB_DIR and ENVD_BEARSSL_DIR)"
	d=/etc/apt/sources.list.d
	for s in $d/*.sources; do
		[ -f "$s" ] || continue
		case $s in *-envd-src.sources) continue ;; esac
		sed 's/^Types: deb$/Types: deb-src/' "$s" \
			>"${s%.sources}-envd-src.sources"
	done
	grep -h '^deb ' /etc/apt/sources.list 2>/dev/null |
		sed 's/^deb /deb-src /' >$d/envd-src.list || true
	apt-get update -qq >/dev/null 2>&1 || true
}

# Fetches one pinned source tarball into $DEPS/dl and checks it.
fetch() {	# package=version tarball sha256
	mkdir -p "$DEPS/dl"
	if [ ! -f "$DEPS/dl/$2" ]; then
		need dpkg-dev
		(cd "$DEPS/dl" && apt-get source --download-only -qq "$1" \
			>/dev/null 2>&1) || { deb_src; (cd "$DEPS/dl" &&
			apt-get source --download-only -qq "$1" >/dev/null \
			2>&1); } || die "apt-get source $1 failed"
	fi
	echo "$3  $DEPS/dl/$2" | sha256sum -c --quiet - ||
		die "$2: checksum mismatch"
}

deps() {
	if [ -n "${ENVD_ZLIB_DIR:-}" ]; then
		ZLIB=$ENVD_ZLIB_DIR
	else
		ZLIB=$DEPS/zlib
		if [ ! -f "$ZLIB/zlib.h" ]; then
			fetch "zlib=$ZLIB_VER" $ZLIB_TAR $ZLIB_SHA
			mkdir -p "$ZLIB"
			tar xjf "$DEPS/dl/$ZLIB_TAR" -C "$ZLIB" \
				--strip-components=1
		fi
	fi
	if [ -n "${ENVD_BEARSSL_DIR:-}" ]; then
		BEARSSL=$ENVD_BEARSSL_DIR
	else
		BEARSSL=$DEPS/bearssl
		if [ ! -f "$BEARSSL/inc/bearssl.h" ]; then
			fetch "bearssl=$BEARSSL_VER" $BEARSSL_TAR $BEARSSL_SHA
			mkdir -p "$BEARSSL"
			tar xJf "$DEPS/dl/$BEARSSL_TAR" -C "$BEARSSL" \
				--strip-components=1
		fi
	fi
	DEP_INC="-I$ZLIB -I$BEARSSL/inc"
}

# Compiles every source into $1 with compiler $2 and flags $3.
objects() {	# dir cc flags
	mkdir -p "$1"
	OBJS=""
	for s in $SRCS; do
		$2 $3 $CSTD $WARN $DEP_INC -c src/$s.c -o "$1/$s.o"
		OBJS="$OBJS $1/$s.o"
	done
	for s in $ZLIB_SRCS; do
		# CRC tables are computed at first use: 10 KB less on disk.
		$2 $3 -w -DDYNAMIC_CRC_TABLE -c "$ZLIB/$s.c" -o "$1/z_$s.o"
		LIBOBJS="${LIBOBJS:-} $1/z_$s.o"
	done
	for s in $BEARSSL_SRCS; do
		o=$1/br_$(basename $s).o
		$2 $3 -w -I"$BEARSSL/inc" -I"$BEARSSL/src" \
			-c "$BEARSSL/src/$s.c" -o "$o"
		LIBOBJS="$LIBOBJS $o"
	done
}

release() {
	need musl-tools
	deps
	flags="-Os -ffunction-sections -fdata-sections -fno-ident
		-fno-asynchronous-unwind-tables -DENVD_COMMIT=\"$(commit)\"
		-ffile-prefix-map=$TOP=. -ffile-prefix-map=$DEPS=deps"
	LIBOBJS=""
	objects "$OUT/rel" musl-gcc "$flags"
	musl-gcc -static -s -Wl,--gc-sections -Wl,--build-id=none \
		-Wl,-z,noseparate-code \
		-o "$OUT/envd" $OBJS $LIBOBJS
	file "$OUT/envd" | grep -q "statically linked" ||
		die "build/envd is not statically linked"
	say "build/envd: $(stat -c %s "$OUT/envd") bytes"
}

DEV_FLAGS="-g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all
	-fno-omit-frame-pointer"

dev() {
	deps
	LIBOBJS=""
	objects "$OUT/dev" gcc "$DEV_FLAGS"
	DEV_OBJS=$OBJS
	DEV_LIBOBJS=$LIBOBJS
	gcc $DEV_FLAGS -o "$OUT/envd-dev" $DEV_OBJS $DEV_LIBOBJS
	say "build/envd-dev: with AddressSanitizer and UBSan"
}

# Every tests/*_test.c links with the dev objects but main.o.
unit_tests() {
	dev
	lib=$(echo $DEV_OBJS | tr ' ' '\n' | grep -v '/main\.o$')
	for t in tests/*_test.c; do
		b=$OUT/tests/$(basename $t .c)
		mkdir -p "$OUT/tests"
		if gcc $DEV_FLAGS $CSTD $WARN $DEP_INC -Isrc -o "$b" "$t" \
			$lib $DEV_LIBOBJS && (cd tests && timeout 120 "$b"); then
			pass=$((pass + 1))
		else
			fail=$((fail + 1))
			say "FAIL $t"
		fi
	done
}

fuzz_build() {
	deps
	LIBOBJS=""
	objects "$OUT/fuzzobj" clang \
		"-g -O1 -fsanitize=fuzzer-no-link,address,undefined"
	lib=$(echo $OBJS | tr ' ' '\n' | grep -v '/main\.o$')
	mkdir -p "$OUT/fuzz"
	for t in tests/fuzz/*_fuzz.c; do
		clang -g -O1 -fsanitize=fuzzer,address,undefined $CSTD -Isrc \
			$DEP_INC -w -o "$OUT/fuzz/$(basename $t .c)" "$t" \
			$lib $LIBOBJS
	done
}

fuzz() {	# seconds per target
	need clang libclang-rt-14-dev
	fuzz_build
	for t in tests/fuzz/*_fuzz.c; do
		n=$(basename $t _fuzz.c)
		mkdir -p "$OUT/fuzz/corpus-$n"
		if "$OUT/fuzz/${n}_fuzz" -max_total_time="$1" \
			"$OUT/fuzz/corpus-$n" tests/fuzz/corpus/$n \
			>"$OUT/fuzz/$n.log" 2>&1; then
			pass=$((pass + 1))
		else
			fail=$((fail + 1))
			say "FAIL fuzz $n (see build/fuzz/$n.log)"
			tail -30 "$OUT/fuzz/$n.log" >&2
		fi
	done
}

e2e_tests() {
	need curl python3 nodejs bindfs
	for t in tests/e2e/test_*.py; do
		log=$OUT/e2e-$(basename $t .py).log
		if ENVD_BIN=$OUT/envd timeout 900 python3 "$t" >"$log" 2>&1
		then :; else say "FAIL $t (see $log)"; fi
		grep -E '^(ok|FAIL) ' "$log" | grep '^FAIL' >&2 || true
		p=$(sed -n 's/^e2e: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p' \
			"$log")
		f=$(sed -n 's/^e2e: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p' \
			"$log")
		[ -n "$p" ] || { p=0; f=1; tail -20 "$log" >&2; }
		pass=$((pass + p))
		fail=$((fail + f))
	done
}

run() {
	release
	root=$(mktemp -d /tmp/envd-cgroup.XXXXXX)
	trap 'rm -rf "$root"' EXIT
	trap 'exit 130' INT TERM
	say "listening on port 49983 (or --port); cgroups under $root"
	"$OUT/envd" --cgroup-root "$root" "$@"
}

usage() {
	sed -n '2,/^$/s/^# \{0,1\}//p' "$0"
}

cmd=${1:-release}
[ $# -gt 0 ] && shift
pass=0
fail=0
case $cmd in
release) release ;;
dev) dev ;;
test)
	need gcc clang libclang-rt-14-dev curl python3 protobuf-compiler \
		libprotobuf-dev
	release
	unit_tests
	# The message tables and vectors against protoc's own reading.
	if python3 tools/pbcheck.py "$OUT/tests/pb_test"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		say "FAIL tools/pbcheck.py"
	fi
	fuzz "${ENVD_FUZZ_SECONDS:-10}"
	e2e_tests
	echo "$pass passed, $fail failed"
	[ $fail -eq 0 ]
	;;
run) run "$@" ;;
fuzz)
	case ${1:-60} in
	''|*[!0-9]*|0) die "fuzz takes a number of seconds per target (>= 1)" ;;
	esac
	fuzz "${1:-60}"
	echo "$pass passed, $fail failed"
	[ $fail -eq 0 ]
	;;
bench) release; exec python3 tools/bench.py "$OUT/envd" ;;
help|-h|--help) usage ;;
*) usage >&2; die "unknown command: $cmd" ;;
esac
