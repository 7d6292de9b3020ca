#!/bin/sh
# Installs what dsr4d needs at run time on Debian 12, as root, inside the image being built.
# One script for the Dockerfile and for deploy/test-rootfs.sh (a debootstrap root), so the
# daemon-less proof runs the very steps the image build runs.
#   runtime.sh cpu   Vulkan loader + Mesa's lavapipe (a CPU Vulkan driver)
#   runtime.sh gpu   Vulkan loader + what the NVIDIA ICD, libGLX_nvidia.so.0, links from the
#                    distribution (libGLdispatch from libglvnd0, libXext); the driver's own
#                    libraries and ICD json are mounted by the NVIDIA container toolkit at run
#                    time. Not libegl1/libgl1: on Debian they pull Mesa's GL drivers and LLVM.
set -eu
variant=${1:?usage: runtime.sh cpu|gpu}
# libx11-6: the binary links libX11 through the viewer's GLFW, even when run headless.
pkgs="libvulkan1 libx11-6"
case "$variant" in
cpu) pkgs="$pkgs mesa-vulkan-drivers" ;;
gpu) pkgs="$pkgs libglvnd0 libxext6" ;;
*) echo "runtime.sh: variant $variant, want cpu or gpu" >&2; exit 2 ;;
esac
export DEBIAN_FRONTEND=noninteractive
apt-get update
# shellcheck disable=SC2086 # word splitting of the package list is intended
apt-get install -y --no-install-recommends $pkgs
# debian images' docker-clean hook drops the .debs; a debootstrap root has none: clean here.
apt-get clean
rm -rf /var/lib/apt/lists/*
# vulkan-go dlopens the unversioned libvulkan.so, which only libvulkan-dev (headers and all)
# would provide: one symlink instead.
loader=$(ls /usr/lib/*-linux-gnu/libvulkan.so.1)
ln -sf libvulkan.so.1 "$(dirname "$loader")/libvulkan.so"
# A fixed numeric user, so Kubernetes' runAsNonRoot can check it without a passwd lookup.
if ! id dsr4d >/dev/null 2>&1; then
	groupadd --gid 10001 dsr4d
	useradd --uid 10001 --gid 10001 --home-dir /data --no-create-home --shell /usr/sbin/nologin dsr4d
fi
mkdir -p /data
chown 10001:10001 /data
