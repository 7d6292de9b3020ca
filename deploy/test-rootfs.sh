#!/bin/sh
# make image-test: proves the images without a builder or daemon (none runs on dsr4d's CI
# machines). As root, with network for apt the first time:
#   1. debootstrap a Debian 12 minbase root (cached under $DSR4D_ROOTFS_CACHE);
#   2. run the Dockerfile's own deploy/runtime.sh cpu inside it (chroot), cached by its hash;
#   3. pack that root and bin/dsr4d as two layers of an OCI image with the cpu stage's config
#      (deploy/ociimage, go-containerregistry) into an OCI layout under $DSR4D_IMAGE_OUT/cpu
#      (default out/image; OCI_TAR=1 adds a tarball for docker/podman load);
#   4. unpack the image's flattened filesystem and, in new mount/pid/ipc/uts/net namespaces,
#      chroot into it and run the image's entrypoint as its user: `devices` and `check`;
#      where umoci and runc are installed, also under runc, a real OCI runtime, from the bundle
#      umoci unpacks (its config.json made from the image config);
#   5. the same for the gpu stage, whose `devices` must fail clearly (no NVIDIA driver here).
# debootstrap's minbase is what debian:12-slim is made from (debuerreotype), not that image
# itself: the proof is of runtime.sh, the binary and the image config on a Debian 12 root.
# The sh -c scripts below take their values as arguments, hence single quotes.
# shellcheck disable=SC2016
set -eu
cd "$(dirname "$0")/.."
repo=$(pwd)
cache=${DSR4D_ROOTFS_CACHE:-/var/tmp/dsr4d-rootfs}
out=${DSR4D_IMAGE_OUT:-$repo/out/image}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
[ "$(id -u)" = 0 ] || { echo "test-rootfs.sh: needs root (debootstrap, chroot, unshare)" >&2; exit 1; }
for tool in debootstrap unshare chroot; do
	command -v $tool >/dev/null 2>&1 || { echo "test-rootfs.sh: $tool not found (apt-get install -y debootstrap util-linux coreutils)" >&2; exit 1; }
done
[ -x bin/dsr4d ] || { echo "test-rootfs.sh: bin/dsr4d missing: run make build" >&2; exit 1; }
mkdir -p "$cache" "$out"

# 1. The Debian 12 base.
base=$cache/bookworm-minbase
if [ ! -x "$base/bin/sh" ]; then
	echo "== debootstrap bookworm minbase into $base"
	rm -rf "$base.tmp"
	debootstrap --variant=minbase bookworm "$base.tmp" "$mirror"
	mv "$base.tmp" "$base"
fi

# 2. runtime.sh VARIANT, as the Dockerfile's stage runs it, in a copy of the base (cached by the
#    script's hash).
sum=$(sha256sum deploy/runtime.sh | cut -c1-12)
prepare() {
	root=$cache/$1-$sum
	if [ ! -x "$root/usr/local/lib/dsr4d/runtime.sh" ]; then
		echo "== runtime.sh $1 in a copy of the base ($root)"
		rm -rf "$root.tmp"
		cp -a "$base" "$root.tmp"
		install -D -m 755 deploy/runtime.sh "$root.tmp/usr/local/lib/dsr4d/runtime.sh"
		cp /etc/resolv.conf "$root.tmp/etc/resolv.conf"
		unshare --mount --fork sh -euc '
			mount -t proc proc "$1/proc"
			mount --rbind /dev "$1/dev"
			chroot "$1" /usr/local/lib/dsr4d/runtime.sh "$2"' sh "$root.tmp" "$1"
		rm -f "$root.tmp/etc/resolv.conf"
		mv "$root.tmp" "$root"
	fi
}

# 3. The OCI image: base layer + binary layer + the stage's config from the Dockerfile; then
#    its flattened filesystem and run configuration, unpacked from the written layout.
image() {
	echo "== OCI image of stage $1 from $root and bin/dsr4d into $out/$1"
	rm -rf "${out:?}/$1"
	mkdir -p "$out/$1"
	(cd deploy && go run ./ociimage build --rootfs "$root" --binary "$repo/bin/dsr4d" --target "$1" \
		--ref "dsr4d:$1-rootfs" --out "$out/$1/oci" ${OCI_TAR:+--tar "$out/$1/dsr4d-$1.tar"})
	(cd deploy && go run ./ociimage unpack --layout "$out/$1/oci" --to "$out/$1/unpacked" --config "$out/$1/config.env")
	# shellcheck source=/dev/null # written by ociimage unpack: user, entrypoint, workdir, path
	. "$out/$1/config.env"
	unpacked=$out/$1/unpacked
	bundle=$out/$1/bundle
	if [ -n "$oci_runtime" ]; then
		umoci unpack --image "$out/$1/oci:dsr4d:$1-rootfs" "$bundle" >/dev/null
	fi
}
oci_runtime=
if command -v umoci >/dev/null 2>&1 && command -v runc >/dev/null 2>&1; then
	oci_runtime=1
else
	echo "== umoci or runc not installed: chroot runs only (apt-get install -y umoci runc adds runs under runc)"
fi

# 4. The entrypoint inside the unpacked image, as the image's user, in new namespaces with a
#    minimal /dev (no GPU nodes) and no network.
# shellcheck disable=SC2154 # user, entrypoint, workdir, path come from config.env
run_chroot() {
	echo "== in the image: $entrypoint $*"
	unshare --mount --pid --ipc --uts --net --fork sh -euc '
		r=$1; user=$2; workdir=$3; path=$4; shift 4
		mount -t proc proc "$r/proc"
		mount -t tmpfs -o mode=755 dev "$r/dev"
		mk() { mknod -m 666 "$r/dev/$1" c "$2" "$3"; }
		mk null 1 3; mk zero 1 5; mk random 1 8; mk urandom 1 9
		mount -t tmpfs -o mode=1777 tmp "$r/tmp"
		exec chroot --userspec="$user" "$r" env -i PATH="$path" HOME="$workdir" sh -c "cd \"\$0\" && exec \"\$@\"" "$workdir" "$@"' \
		sh "$unpacked" "$user" "$workdir" "$path" "$entrypoint" "$@"
}
run_runc() {
	echo "== under runc: $entrypoint $*"
	(cd deploy && go run ./ociimage set-args "$bundle" "$@")
	runc run --bundle "$bundle" "dsr4d-image-test-$$"
}
run() {
	run_chroot "$@"
	[ -z "$oci_runtime" ] || run_runc "$@"
}

prepare cpu
image cpu
run devices
run check

# The gpu image carries no driver: without the toolkit's mounts it must fail, and say so,
# rather than fall back to a CPU device.
prepare gpu
image gpu
runtimes=chroot
[ -z "$oci_runtime" ] || runtimes="chroot runc"
for rt in $runtimes; do
	msg=$("run_$rt" devices 2>&1) && found=1 || found=
	if [ -n "$found" ]; then
		echo "test-rootfs.sh: the gpu image found a Vulkan device without the NVIDIA driver ($rt):" >&2
		echo "$msg" >&2
		exit 1
	fi
	case "$msg" in
	*"no Vulkan device"*) echo "== gpu image without the NVIDIA driver fails as it should ($rt): ${msg##*dsr4d devices: }" ;;
	*) echo "test-rootfs.sh: the gpu image failed unclearly ($rt):" >&2; echo "$msg" >&2; exit 1 ;;
	esac
done
echo "== image-test passed: $out/cpu/oci and $out/gpu/oci (OCI layouts)"
