#!/usr/bin/env bash
# Installs every build, runtime and test dependency of Berth from Debian 12
# packages. Idempotent: when everything is present it only checks and returns.
set -euo pipefail

packages=(
  # toolchain
  g++ cmake ninja-build pkg-config ccache make
  # libraries (see docs/design and build-notes)
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler libabsl-dev
  libspdlog-dev prometheus-cpp-dev libgtest-dev libgmock-dev libbenchmark-dev
  libboost1.81-dev nlohmann-json3-dev libcli11-dev
  libcurl4-openssl-dev libarchive-dev libssl-dev
  libseccomp-dev libnl-3-dev libnl-route-3-dev libmnl-dev libnftables-dev
  # runtime tools
  nftables iproute2 util-linux procps curl ca-certificates
  # tests: promtool, test images, loopback registry, OCI runtime for differential
  # tests, lrzip for the refused-compression test
  prometheus busybox-static docker-registry runc socat python3 python3-docker lrzip docker-compose
  # --init: the static tini bind-mounted into containers as /sbin/docker-init
  tini
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
# The Debian prometheus and docker-registry packages would start daemons under
# systemd; there is none here, and tests start their own registry on loopback.
