#!/bin/sh
# make image: builds deploy/Dockerfile's cpu and gpu targets as IMAGE:cpu and IMAGE:gpu with the
# first builder that works here: docker (client and a reachable daemon), podman, or buildah.
# Without one it says what was looked for and exits 1; `make image-test` proves the image's
# root filesystem without any builder or daemon.
set -eu
image=${1:-dsr4d}
cd "$(dirname "$0")/.."
builder=
if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
	builder="docker build"
elif command -v podman >/dev/null 2>&1; then
	builder="podman build"
elif command -v buildah >/dev/null 2>&1; then
	builder="buildah bud"
fi
if [ -z "$builder" ]; then
	echo "make image: no image builder here: docker $(command -v docker >/dev/null 2>&1 && echo 'is installed but its daemon is not reachable' || echo 'is not installed'), podman and buildah are not installed." >&2
	echo "  Install one (apt-get install -y podman, or buildah), or build elsewhere from the repository root:" >&2
	echo "    docker build -f deploy/Dockerfile --target cpu -t $image:cpu ." >&2
	echo "  'make image-test' proves the image's root filesystem without a builder." >&2
	exit 1
fi
for target in cpu gpu; do
	echo "$builder -f deploy/Dockerfile --target $target -t $image:$target ."
	$builder -f deploy/Dockerfile --target "$target" -t "$image:$target" .
done
