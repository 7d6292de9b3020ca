// Package deploy owns dsr4d's container images and Kubernetes manifests, and their tests.
//
// It is its own Go module (github.com/dsr4d/dsr4d/deploy) so that the Kubernetes, kustomize,
// BuildKit and go-containerregistry modules its tests need stay out of dsr4d's own dependency
// graph; `make test` runs it after the main module.
//
//   - Dockerfile: the build stage (cgo, Debian 12) and two run stages, cpu (Vulkan loader +
//     Mesa lavapipe) and gpu (loader + glvnd; the NVIDIA container toolkit mounts the driver's
//     Vulkan ICD when NVIDIA_DRIVER_CAPABILITIES includes graphics). runtime.sh is the one
//     install script both stages and test-rootfs.sh run.
//   - k8s/: kustomize base (ReadWriteMany PVC, Indexed Job running `dsr4d qa --shard auto` per
//     shard, merge Job running `dsr4d qa --merge-only`), overlays cpu and gpu, and serve (a
//     Deployment + Service for the future `dsr4d serve`, an `eval --endpoint` Job against it).
//   - ociimage/: assembles an OCI image from a root filesystem directory and the built binary,
//     its configuration taken from the Dockerfile's stage, without a daemon
//     (go-containerregistry), and unpacks it again; test-rootfs.sh (`make image-test`) builds
//     the root with debootstrap + runtime.sh and runs `dsr4d devices` and `dsr4d check` inside
//     the unpacked image (chroot in fresh namespaces, and runc where installed).
//   - image.sh: `make image`, with docker, podman or buildah, or a clear message without one.
//
// The tests: dockerfile_test.go parses the Dockerfile with BuildKit's parser and lints it;
// manifests_test.go renders every kustomization in-process (krusty), decodes each object
// strictly into the k8s.io/api types and checks the invariants the batch depends on;
// sim_test.go runs the Indexed Job's pods as local processes, kills one, and checks the merged
// outputs equal a single-process run byte for byte.
package deploy
