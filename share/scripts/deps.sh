#!/usr/bin/env bash
# Install the Debian 12 packages Nubes needs, and only those missing.
#   deps.sh build   to build and run oned
#   deps.sh test    also what the test suite needs
# The package lists live here and nowhere else.
set -euo pipefail

BUILD_PKGS="build-essential autoconf automake libtool pkg-config
  libsqlite3-dev libxml2-dev libmicrohttpd-dev libssl-dev libcurl4-openssl-dev
  libjson-c-dev libvirt-dev librados-dev librbd-dev uuid-dev"
TEST_PKGS="libcmocka-dev python3 python3-pytest clang libclang-rt-14-dev valgrind
  ruby ruby-xmlrpc golang-go golang-github-kolo-xmlrpc-dev
  libvirt-daemon-system libvirt-clients qemu-system-x86 qemu-utils e2fsprogs util-linux
  ceph-mon ceph-osd ceph-common qemu-block-extra"

want="$BUILD_PKGS"
[ "${1:-build}" = test ] && want="$want $TEST_PKGS"

missing=()
for p in $want; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "deps.sh: missing packages: ${missing[*]}" >&2
    echo "deps.sh: run as root (or: sudo apt-get install -y ${missing[*]})" >&2
    exit 1
fi
echo "deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
