#!/usr/bin/env bash
# Prints the wire contract of every Berth proto as a text FileDescriptorSet
# (no source info), so that a wire change shows up as a diff in review.
#   scripts/proto-descriptors.sh > proto/descriptors.txtpb     (after a change)
#   scripts/proto-descriptors.sh --check                       (CI: fails on drift)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top/proto"
files=$(find berth grpc -name '*.proto' | sort)
dump() {
  protoc -I . -I /usr/include --include_imports --descriptor_set_out=/dev/stdout $files |
    protoc -I /usr/include --decode=google.protobuf.FileDescriptorSet google/protobuf/descriptor.proto
}
if [ "${1:-}" = "--check" ]; then
  if ! diff -u "$top/proto/descriptors.txtpb" <(dump) > /tmp/berth-descriptor-diff.$$; then
    cat /tmp/berth-descriptor-diff.$$
    rm -f /tmp/berth-descriptor-diff.$$
    echo "proto wire contract changed: review it, then run scripts/proto-descriptors.sh > proto/descriptors.txtpb" >&2
    exit 1
  fi
  rm -f /tmp/berth-descriptor-diff.$$
  echo "proto descriptors match proto/descriptors.txtpb"
else
  dump
fi
