#!/usr/bin/env python3
"""Where a JFR recording's CPU samples land: top frames grouped by library, and the hottest methods.

Usage: perf/jfr-top.py recording.jfr [more.jfr …]   (needs the JDK's `jfr` on PATH)
Groups: the top (executing) frame's package; "kcid" is io.kcid.*. Shares are of all samples.
"""
import collections
import subprocess
import sys

GROUPS = [
    ("gRPC (shaded Netty)", "io.grpc.netty.shaded."),
    ("gRPC", "io.grpc."),
    ("Lettuce", "io.lettuce."),
    ("Netty", "io.netty."),
    ("protobuf", "com.google.protobuf."),
    ("kcid", "io.kcid."),
    ("Micrometer", "io.micrometer."),
    ("logging", "ch.qos.logback."),
    ("JDK", ("java.", "jdk.", "sun.")),
]


def group(frame):
    for name, prefix in GROUPS:
        if frame.startswith(prefix):
            return name
    return "other"


def samples(path):
    out = subprocess.run(["jfr", "print", "--events", "jdk.ExecutionSample", path],
                         capture_output=True, text=True, check=True).stdout
    stack = None
    for line in out.splitlines():
        line = line.strip()
        if line.startswith("stackTrace = ["):
            stack = []
        elif stack is not None:
            if line.startswith("]") or line == "...":
                yield stack
                stack = None
            else:
                stack.append(line.split("  line:")[0].strip())


def main(paths):
    for path in paths:
        by_group, by_method, kcid_anywhere, total = collections.Counter(), collections.Counter(), 0, 0
        for stack in samples(path):
            if not stack:
                continue
            total += 1
            by_group[group(stack[0])] += 1
            by_method[stack[0]] += 1
            kcid_anywhere += any(f.startswith("io.kcid.") for f in stack)
        print(f"{path}: {total} samples")
        if not total:
            continue
        print("  top frame by library: " + ", ".join(
            f"{g} {100 * n / total:.0f}%" for g, n in by_group.most_common()))
        print(f"  samples with a kcid frame anywhere on the stack: {100 * kcid_anywhere / total:.0f}%")
        for method, n in by_method.most_common(8):
            print(f"    {100 * n / total:4.1f}%  {method}")


if __name__ == "__main__":
    main(sys.argv[1:])
