#!/usr/bin/env python3
"""pbcheck.py: keep src/msg.c, proto/*.proto and tests/vectors/pb in step.

    tools/pbcheck.py PB_TEST     compare the C tables (PB_TEST --dump) with
                                 what protoc says of proto/*.proto, and
                                 check every vector's hex against protoc
    tools/pbcheck.py --vectors   (re)write tests/vectors/pb/*.hex from the
                                 text-format *.txt beside them

Needs protoc and python3 (standard library only). protoc describes the
.proto files as a FileDescriptorSet (google/protobuf/descriptor.proto),
which is read here with a small wire-format reader. Both sides are put
into lines of the form

    message <full name>
    field <message> <number> <name> <json name> <type> <label> <oneof>
          <type name>    (one line)
    enum <full name> <value name> <number>

and the two sets of lines must be equal. The .json files beside some
vectors are expected proto3 JSON, checked by tests/pb_test.c alone.
"""
import os
import subprocess
import sys
import tempfile

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROTOS = ["process.proto", "filesystem.proto"]
VECDIR = os.path.join(TOP, "tests", "vectors", "pb")

# FieldDescriptorProto.Type numbers -> names used by the C dump.
TYPES = {3: "int64", 4: "uint64", 5: "int32", 8: "bool", 9: "string",
         11: "message", 12: "bytes", 13: "uint32", 14: "enum",
         17: "sint32"}


def varint(b, i):
    x = s = 0
    while True:
        c = b[i]
        i += 1
        x |= (c & 0x7F) << s
        s += 7
        if c < 0x80:
            return x, i


def wire(b):
    """Fields of one message as (number, value) in wire order."""
    out, i = [], 0
    while i < len(b):
        tag, i = varint(b, i)
        num, wt = tag >> 3, tag & 7
        if wt == 0:
            v, i = varint(b, i)
        elif wt == 2:
            n, i = varint(b, i)
            v, i = b[i:i + n], i + n
        elif wt in (1, 5):
            n = 8 if wt == 1 else 4
            v, i = b[i:i + n], i + n
        else:
            raise ValueError("wire type %d" % wt)
        out.append((num, v))
    return out


def one(fields, num, default=None):
    v = [x for n, x in fields if n == num]
    return v[-1] if v else default


def many(fields, num):
    return [x for n, x in fields if n == num]


def camel(name):
    parts = name.split("_")
    return parts[0] + "".join(p[:1].upper() + p[1:] for p in parts[1:])


def walk(msg, scope, msgs, enums):
    """Collects DescriptorProto msg (wire fields) and its nested types."""
    name = scope + "." + one(msg, 1).decode()
    opts = wire(one(msg, 7, b""))
    msgs[name] = {
        "fields": [wire(f) for f in many(msg, 2)],
        "oneofs": [one(wire(o), 1).decode() for o in many(msg, 8)],
        "map_entry": one(opts, 7, 0) == 1,
    }
    for n in many(msg, 3):
        walk(wire(n), name, msgs, enums)
    for e in many(msg, 4):
        enum(wire(e), name, enums)


def enum(e, scope, enums):
    name = scope + "." + one(e, 1).decode()
    enums[name] = [(one(wire(v), 1).decode(), one(wire(v), 2, 0))
                   for v in many(e, 2)]


def describe():
    """Lines for everything protoc sees in proto/*.proto and imports."""
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "set.pb")
        subprocess.run(["protoc", "--include_imports",
                        "--descriptor_set_out=" + out, "-I",
                        os.path.join(TOP, "proto")] + PROTOS, check=True,
                       cwd=os.path.join(TOP, "proto"))
        data = open(out, "rb").read()
    msgs, enums = {}, {}
    for f in many(wire(data), 1):
        f = wire(f)
        pkg = one(f, 2, b"").decode()
        for m in many(f, 4):
            walk(wire(m), pkg, msgs, enums)
        for e in many(f, 5):
            enum(wire(e), pkg, enums)
    lines = set()
    for name, m in msgs.items():
        if m["map_entry"]:
            continue
        lines.add("message " + name)
        for f in m["fields"]:
            lines.add(field_line(name, m, f, msgs))
    for name, vals in enums.items():
        for v, n in vals:
            n = n - (1 << 64) if n >= 1 << 63 else n
            lines.add("enum %s %s %d" % (name, v, n))
    return lines, msgs


def field_line(name, m, f, msgs):
    fname = one(f, 1).decode()
    num, label, typ = one(f, 3), one(f, 4), one(f, 5)
    tname = one(f, 6, b".-").decode()[1:]
    json = one(f, 10, camel(fname).encode()).decode()
    kind = TYPES.get(typ, "type%d" % typ)
    oneof = "-"
    if label == 3:
        lab = "repeated"
        entry = msgs.get(tname)
        if entry and entry["map_entry"]:
            kv = [(one(e, 1).decode(), one(e, 3), one(e, 5))
                  for e in entry["fields"]]
            if sorted(kv) == [("key", 1, 9), ("value", 2, 9)]:
                kind, tname = "map", "-"
            else:
                kind = "map<%s>" % kv
    elif one(f, 17, 0):
        lab = "optional"
    elif one(f, 9) is not None:
        lab, oneof = "oneof", m["oneofs"][one(f, 9)]
    else:
        lab = "singular"
    return "field %s %d %s %s %s %s %s %s" % (name, num, fname, json, kind,
                                             lab, oneof, tname)


def encode(txt):
    name = os.path.basename(txt).split("_")[0]
    proto = "filesystem.proto" if name.startswith("filesystem.") else \
        "process.proto"
    if name.startswith("google."):
        proto = "google/protobuf/timestamp.proto"
    with open(txt, "rb") as f:
        r = subprocess.run(["protoc", "--encode=" + name, "-I",
                            os.path.join(TOP, "proto"), proto], stdin=f,
                           stdout=subprocess.PIPE, check=True,
                           cwd=os.path.join(TOP, "proto"))
    h = r.stdout.hex()
    return "".join(h[i:i + 64] + "\n" for i in range(0, len(h), 64))


def vectors(write):
    bad = 0
    for t in sorted(os.listdir(VECDIR)):
        if not t.endswith(".txt"):
            continue
        path = os.path.join(VECDIR, t)
        hexpath = path[:-4] + ".hex"
        h = encode(path)
        if write:
            with open(hexpath, "w") as f:
                f.write(h)
        elif not os.path.exists(hexpath) or open(hexpath).read() != h:
            print("pbcheck: %s differs from protoc --encode" % hexpath)
            bad += 1
    return bad


def main(argv):
    if argv[1:] == ["--vectors"]:
        vectors(True)
        return 0
    if len(argv) != 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    want, msgs = describe()
    dump = subprocess.run([argv[1], "--dump"], stdout=subprocess.PIPE,
                          check=True, universal_newlines=True).stdout
    have = set(dump.splitlines())
    bad = 0
    for line in sorted(want - have):
        print("pbcheck: protoc has, C tables lack: " + line)
        bad += 1
    for line in sorted(have - want):
        print("pbcheck: C tables have, protoc lacks: " + line)
        bad += 1
    covered = {t.split("_")[0] for t in os.listdir(VECDIR)}
    for name, m in sorted(msgs.items()):
        if not m["map_entry"] and name not in covered:
            print("pbcheck: no vector for " + name)
            bad += 1
    bad += vectors(False)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
