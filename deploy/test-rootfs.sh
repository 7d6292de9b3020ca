#!/bin/sh
# make image-test: proves the cpu image without a builder or daemon (none runs on dsr4d's CI
# machines). As root, with network for apt the first time:
#   1. debootstrap a Debian 12 minbase root (cached under $DSR4D_ROOTFS_CACHE);
#   2. run the Dockerfile's own deploy/runtime.sh cpu inside it (chroot), cached by its hash;
#   3. pack that root and bin/dsr4d as two layers of an OCI image with the cpu stage's config
#      (deploy/ociimage, go-containerregistry) under $OUT (an OCI layout; `--tar` for docker load);
#   4. unpack the image's flattened filesystem and, in new mount/pid/ipc/uts/net namespaces,
#      chroot into it and run the image's entrypoint as its user: `devices` and `check`.
# debootstrap's minbase is what debian:12-slim is made from (debuerreotype), not that image
# itself: the proof is of runtime.sh, the binary and the image config on a Debian 12 root.
set -eu
cd "$(dirname "$0")/.."
repo=$(pwd)
cache=${DSR4D_ROOTFS_CACHE:-/var/tmp/dsr4d-rootfs}
out=${OUT:-$repo/out/image}
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

# 2. runtime.sh cpu, as the Dockerfile's cpu stage runs it.
sum=$(sha256sum deploy/runtime.sh | cut -c1-12)
root=$cache/cpu-$sum
if [ ! -x "$root/usr/local/lib/dsr4d/runtime.sh" ]; then
	echo "== runtime.sh cpu in a copy of the base ($root)"
	rm -rf "$root.tmp"
	cp -a "$base" "$root.tmp"
	install -D -m 755 deploy/runtime.sh "$root.tmp/usr/local/lib/dsr4d/runtime.sh"
	cp /etc/resolv.conf "$root.tmp/etc/resolv.conf"
	unshare --mount --fork sh -euc '
		mount -t proc proc "$1/proc"
		mount --rbind /dev "$1/dev"
		chroot "$1" /usr/local/lib/dsr4d/runtime.sh cpu' sh "$root.tmp"
	rm -f "$root.tmp/etc/resolv.conf"
	mv "$root.tmp" "$root"
fi

# 3. The OCI image: base layer + binary layer + the cpu stage's config.
echo "== OCI image from $root and bin/dsr4d into $out/oci"
rm -rf "$out/oci" "$out/unpacked"
(cd deploy && go run ./ociimage build --rootfs "$root" --binary "$repo/bin/dsr4d" --ref dsr4d:cpu-rootfs --out "$out/oci" ${OCI_TAR:+--tar "$out/dsr4d-cpu.tar"})

# 4. Unpack and run the entrypoint inside, as the image's user.
(cd deploy && go run ./ociimage unpack --layout "$out/oci" --to "$out/unpacked" --config "$out/config.env")
. "$out/config.env" # user, entrypoint, workdir, path
run() {
	echo "== in the image: $entrypoint $*"
	unshare --mount --pid --ipc --uts --net --fork sh -euc '
		r=$1; user=$2; workdir=$3; path=$4; shift 4
		mount -t proc proc "$r/proc"
		mount -t tmpfs -o mode=755 dev "$r/dev"
		mk() { mknod -m 666 "$r/dev/$1" c "$2" "$3"; }
		mk null 1 3; mk zero 1 5; mk random 1 8; mk urandom 1 9
		mount -t tmpfs -o mode=1777 tmp "$r/tmp"
		exec chroot --userspec="$user" "$r" env -i PATH="$path" HOME="$workdir" sh -c "cd \"\$0\" && exec \"\$@\"" "$workdir" "$@"' \
		sh "$out/unpacked" "$user" "$workdir" "$path" "$entrypoint" "$@"
}
run devices
run check
echo "== image-test passed: $out/oci (OCI layout, ref dsr4d:cpu-rootfs)"
