#!/usr/bin/env bash
# Regenerates the Swift code for Specs/events.proto and Specs/snapshot.proto into Sources/BatonEvents/.
# Needs protoc (Debian: protobuf-compiler) and protoc-gen-swift built from the swift-protobuf
# version named in Package.swift:
#   swift build -c release --product protoc-gen-swift   (inside a checkout of swift-protobuf)
# then PROTOC_GEN_SWIFT=/path/to/.build/release/protoc-gen-swift Tools/generate-protos.sh
set -euo pipefail
cd "$(dirname "$0")/.."
plugin="${PROTOC_GEN_SWIFT:-$(command -v protoc-gen-swift || true)}"
if [ -z "$plugin" ] || [ ! -x "$plugin" ]; then
  echo "generate-protos: protoc-gen-swift not found; set PROTOC_GEN_SWIFT (see the comment at the top)" >&2
  exit 2
fi
command -v protoc >/dev/null || { echo "generate-protos: protoc not found (apt-get install protobuf-compiler)" >&2; exit 2; }
protoc --plugin=protoc-gen-swift="$plugin" \
  --swift_opt=Visibility=Public --swift_opt=UseAccessLevelOnImports=true \
  --swift_out=Sources/BatonEvents -I Specs Specs/events.proto Specs/snapshot.proto
echo "generated Sources/BatonEvents/events.pb.swift and snapshot.pb.swift"
