package deploy

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

// rendered is one kustomization's output, decoded strictly into the k8s.io/api types.
type rendered struct {
	jobs     map[string]*batchv1.Job
	deploys  map[string]*appsv1.Deployment
	services map[string]*corev1.Service
	pvcs     map[string]*corev1.PersistentVolumeClaim
}

// render runs kustomize in-process on dir (as `kubectl apply -k dir` would) and decodes every
// object with unknown and duplicate fields as errors.
func render(t *testing.T, dir string) rendered {
	t.Helper()
	m, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		t.Fatalf("kustomize %s: %v", dir, err)
	}
	r := rendered{map[string]*batchv1.Job{}, map[string]*appsv1.Deployment{}, map[string]*corev1.Service{}, map[string]*corev1.PersistentVolumeClaim{}}
	for _, res := range m.Resources() {
		b, err := res.AsYAML()
		if err != nil {
			t.Fatal(err)
		}
		name := res.GetName()
		where := fmt.Sprintf("%s: %s %s", dir, res.GetKind(), name)
		if err := decodeKind(res.GetKind(), b, name, &r); err != nil {
			t.Errorf("%s: %v", where, err)
		}
	}
	return r
}

func decodeKind(kind string, b []byte, name string, r *rendered) error {
	var obj any
	switch kind {
	case "Job":
		j := new(batchv1.Job)
		r.jobs[name], obj = j, j
	case "Deployment":
		d := new(appsv1.Deployment)
		r.deploys[name], obj = d, d
	case "Service":
		s := new(corev1.Service)
		r.services[name], obj = s, s
	case "PersistentVolumeClaim":
		p := new(corev1.PersistentVolumeClaim)
		r.pvcs[name], obj = p, p
	default:
		return fmt.Errorf("unexpected kind")
	}
	return yaml.UnmarshalStrict(b, obj)
}

// TestManifestFilesStrict decodes every YAML file as written (patches included) strictly:
// a misspelt field in a strategic-merge patch would otherwise be dropped silently.
func TestManifestFilesStrict(t *testing.T) {
	files, err := filepath.Glob("k8s/*/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	more, _ := filepath.Glob("k8s/*/*/*.yaml")
	files = append(files, more...)
	if len(files) < 9 {
		t.Fatalf("found %d manifest files under k8s/, want the base, overlays and serve", len(files))
	}
	for _, f := range files {
		if filepath.Base(f) == "kustomization.yaml" {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		r := rendered{map[string]*batchv1.Job{}, map[string]*appsv1.Deployment{}, map[string]*corev1.Service{}, map[string]*corev1.PersistentVolumeClaim{}}
		for i, doc := range strings.Split(string(b), "\n---\n") {
			var meta struct {
				Kind     string `json:"kind"`
				Metadata struct {
					Name string `json:"name"`
				} `json:"metadata"`
			}
			if err := yaml.Unmarshal([]byte(doc), &meta); err != nil {
				t.Errorf("%s document %d: %v", f, i, err)
				continue
			}
			if err := decodeKind(meta.Kind, []byte(doc), meta.Metadata.Name, &r); err != nil {
				t.Errorf("%s document %d (%s %s): %v", f, i, meta.Kind, meta.Metadata.Name, err)
			}
		}
	}
}

func TestBatchOverlays(t *testing.T) {
	for _, overlay := range []string{"cpu", "gpu"} {
		t.Run(overlay, func(t *testing.T) {
			r := render(t, "k8s/overlays/"+overlay)
			qa, merge := r.jobs["dsr4d-qa"], r.jobs["dsr4d-qa-merge"]
			if qa == nil || merge == nil || len(r.jobs) != 2 {
				t.Fatalf("jobs %v, want dsr4d-qa and dsr4d-qa-merge", keys(r.jobs))
			}
			pvc := r.pvcs["dsr4d-data"]
			if pvc == nil || !slices.Equal(pvc.Spec.AccessModes, []corev1.PersistentVolumeAccessMode{corev1.ReadWriteMany}) {
				t.Fatalf("PVC dsr4d-data missing or not ReadWriteMany: %+v", pvc)
			}

			s := qa.Spec
			if s.CompletionMode == nil || *s.CompletionMode != batchv1.IndexedCompletion {
				t.Errorf("qa job: completionMode %v, want Indexed", s.CompletionMode)
			}
			if s.Completions == nil || s.Parallelism == nil || *s.Parallelism < 1 || *s.Parallelism > *s.Completions {
				t.Fatalf("qa job: completions %v, parallelism %v: want 1 <= parallelism <= completions", s.Completions, s.Parallelism)
			}
			if s.BackoffLimitPerIndex == nil || *s.BackoffLimitPerIndex < 1 {
				t.Errorf("qa job: backoffLimitPerIndex %v, want >= 1 (a killed shard is retried alone)", s.BackoffLimitPerIndex)
			}
			if s.MaxFailedIndexes != nil && *s.MaxFailedIndexes > *s.Completions {
				t.Errorf("qa job: maxFailedIndexes %d > completions %d", *s.MaxFailedIndexes, *s.Completions)
			}
			// backoffLimitPerIndex and podFailurePolicy need restartPolicy Never.
			checkPod(t, "qa job", qa.Spec.Template.Spec, corev1.RestartPolicyNever)
			c := onlyContainer(t, "qa job", qa.Spec.Template.Spec)
			if got := envValue(c, "JOB_COMPLETIONS"); got != strconv.Itoa(int(*s.Completions)) {
				t.Errorf("qa job: JOB_COMPLETIONS %q, but completions is %d: shards would be lost or doubled", got, *s.Completions)
			}
			if envValue(c, "JOB_COMPLETION_INDEX") != "" {
				t.Errorf("qa job sets JOB_COMPLETION_INDEX itself; Kubernetes sets it per pod")
			}
			if got := flag(c.Args, "--shard"); got != "auto" {
				t.Errorf("qa job: --shard %q, want auto", got)
			}
			if c.Args[0] != "qa" {
				t.Errorf("qa job runs %v, want dsr4d qa", c.Args)
			}
			out := flag(c.Args, "--out")
			if !onVolume(c, "data", out) || !onVolume(c, "data", flag(c.Args, "--manifest")) {
				t.Errorf("qa job: --manifest %q and --out %q must be on the data volume", flag(c.Args, "--manifest"), out)
			}
			checkClaim(t, "qa job", qa.Spec.Template.Spec, "data", "dsr4d-data")
			workers, err := strconv.Atoi(flag(c.Args, "--workers"))
			if cpu := c.Resources.Requests[corev1.ResourceCPU]; err != nil || cpu.Cmp(*resource.NewQuantity(int64(workers), resource.DecimalSI)) < 0 {
				t.Errorf("qa job: --workers %q with a cpu request of %s: want a core per worker", flag(c.Args, "--workers"), cpu.String())
			}
			checkMemory(t, "qa job", c)
			codes := failIndexCodes(qa)
			if !slices.Contains(codes, 2) {
				t.Errorf("qa job: podFailurePolicy does not fail the index on exit 2 (usage error): %v", codes)
			}

			if merge.Spec.Suspend == nil || !*merge.Spec.Suspend {
				t.Errorf("merge job is not created suspended: it would merge before the shards are done")
			}
			checkPod(t, "merge job", merge.Spec.Template.Spec, corev1.RestartPolicyNever)
			mc := onlyContainer(t, "merge job", merge.Spec.Template.Spec)
			if !slices.Equal(mc.Args, []string{"qa", "--merge-only", "--out", out}) {
				t.Errorf("merge job args %v, want qa --merge-only --out %s (the shards' --out)", mc.Args, out)
			}
			checkClaim(t, "merge job", merge.Spec.Template.Spec, "data", "dsr4d-data")
			checkMemory(t, "merge job", mc)

			_, tag, _ := strings.Cut(c.Image, ":")
			gpus := c.Resources.Limits["nvidia.com/gpu"]
			switch overlay {
			case "cpu":
				if tag != "cpu" || !gpus.IsZero() {
					t.Errorf("cpu overlay: image %s, GPU limit %s; want the cpu image and no GPU", c.Image, gpus.String())
				}
			case "gpu":
				if tag != "gpu" || gpus.Value() != 1 {
					t.Errorf("gpu overlay: image %s, nvidia.com/gpu limit %s; want the gpu image and 1", c.Image, gpus.String())
				}
				if flag(c.Args, "--device") != "vulkan" {
					t.Errorf("gpu overlay: qa --device %q, want vulkan (fail rather than fall back to the CPU)", flag(c.Args, "--device"))
				}
				checkGraphics(t, "gpu overlay qa job", c)
			}
			if mg := mc.Resources.Limits["nvidia.com/gpu"]; !mg.IsZero() {
				t.Errorf("%s overlay: the merge job holds a GPU it does not use", overlay)
			}
		})
	}
}

func TestServe(t *testing.T) {
	r := render(t, "k8s/serve")
	d, svc, ev := r.deploys["dsr4d-serve"], r.services["dsr4d-serve"], r.jobs["dsr4d-eval"]
	if d == nil || svc == nil || ev == nil {
		t.Fatalf("want Deployment and Service dsr4d-serve and Job dsr4d-eval; have %v %v %v", keys(r.deploys), keys(r.services), keys(r.jobs))
	}
	pod := d.Spec.Template.Spec
	checkPod(t, "serve", pod, "")
	c := onlyContainer(t, "serve", pod)
	if c.Args[0] != "serve" {
		t.Errorf("serve deployment runs %v", c.Args)
	}
	if g := c.Resources.Limits["nvidia.com/gpu"]; g.Value() != 1 {
		t.Errorf("serve: nvidia.com/gpu limit %s, want 1 per pod", g.String())
	}
	checkGraphics(t, "serve", c)
	checkMemory(t, "serve", c)
	p := c.ReadinessProbe
	if p == nil || p.HTTPGet == nil || p.HTTPGet.Path != "/v1/models" {
		t.Fatalf("serve: readiness probe %+v, want GET /v1/models", p)
	}
	port := containerPort(c, p.HTTPGet.Port.String())
	if port == 0 || ":"+strconv.Itoa(int(port)) != flag(c.Args, "--addr") {
		t.Errorf("serve: probe port %s is container port %d, but serve listens on %q", p.HTTPGet.Port.String(), port, flag(c.Args, "--addr"))
	}
	for k, v := range svc.Spec.Selector {
		if d.Spec.Template.Labels[k] != v {
			t.Errorf("service selector %s=%s does not select the deployment's pods (%v)", k, v, d.Spec.Template.Labels)
		}
	}
	for k, v := range d.Spec.Selector.MatchLabels {
		if d.Spec.Template.Labels[k] != v {
			t.Errorf("deployment selector %s=%s does not match its pod template", k, v)
		}
	}
	if len(svc.Spec.Ports) != 1 || containerPort(c, svc.Spec.Ports[0].TargetPort.String()) != port {
		t.Fatalf("service ports %+v do not reach the server's port %d", svc.Spec.Ports, port)
	}

	checkPod(t, "eval job", ev.Spec.Template.Spec, corev1.RestartPolicyNever)
	ec := onlyContainer(t, "eval job", ev.Spec.Template.Spec)
	u, err := url.Parse(flag(ec.Args, "--endpoint"))
	if err != nil || u.Hostname() != svc.Name || (u.Port() != "" && u.Port() != strconv.Itoa(int(svc.Spec.Ports[0].Port))) || (u.Port() == "" && svc.Spec.Ports[0].Port != 80) {
		t.Errorf("eval --endpoint %q does not point at service %s port %d", flag(ec.Args, "--endpoint"), svc.Name, svc.Spec.Ports[0].Port)
	}
	for _, f := range []string{"--model", "--bench", "--out"} {
		if flag(ec.Args, f) == "" {
			t.Errorf("eval job lacks %s", f)
		}
	}
	checkClaim(t, "eval job", ev.Spec.Template.Spec, "data", "dsr4d-data")
}

// checkPod: non-root as the image's numeric user, the restart policy a Job's features need.
func checkPod(t *testing.T, what string, p corev1.PodSpec, restart corev1.RestartPolicy) {
	t.Helper()
	if restart != "" && p.RestartPolicy != restart {
		t.Errorf("%s: restartPolicy %q, want %q", what, p.RestartPolicy, restart)
	}
	sc := p.SecurityContext
	if sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.RunAsUser == nil || *sc.RunAsUser != 10001 {
		t.Errorf("%s: pod securityContext %+v, want runAsNonRoot as uid 10001 (the image's user)", what, sc)
	}
	for _, c := range p.Containers {
		if c.SecurityContext == nil || c.SecurityContext.AllowPrivilegeEscalation == nil || *c.SecurityContext.AllowPrivilegeEscalation {
			t.Errorf("%s: container %s allows privilege escalation", what, c.Name)
		}
	}
}

func onlyContainer(t *testing.T, what string, p corev1.PodSpec) corev1.Container {
	t.Helper()
	if len(p.Containers) != 1 {
		t.Fatalf("%s: %d containers, want 1", what, len(p.Containers))
	}
	c := p.Containers[0]
	if !strings.HasPrefix(c.Image, "ghcr.io/dsr4d/dsr4d:") || len(c.Args) == 0 {
		t.Fatalf("%s: image %q args %v: want the dsr4d image (its entrypoint is dsr4d) and a command", what, c.Image, c.Args)
	}
	return c
}

func checkMemory(t *testing.T, what string, c corev1.Container) {
	t.Helper()
	req, lim := c.Resources.Requests[corev1.ResourceMemory], c.Resources.Limits[corev1.ResourceMemory]
	if req.IsZero() || lim.Cmp(req) < 0 {
		t.Errorf("%s: memory request %s, limit %s: want a request and a limit at least as large", what, req.String(), lim.String())
	}
}

// checkGraphics: the NVIDIA toolkit mounts the Vulkan ICD only for the graphics capability.
func checkGraphics(t *testing.T, what string, c corev1.Container) {
	t.Helper()
	if caps := strings.Split(envValue(c, "NVIDIA_DRIVER_CAPABILITIES"), ","); !slices.Contains(caps, "graphics") {
		t.Errorf("%s: NVIDIA_DRIVER_CAPABILITIES %v lacks graphics (no Vulkan ICD without it)", what, caps)
	}
}

func checkClaim(t *testing.T, what string, p corev1.PodSpec, volume, claim string) {
	t.Helper()
	for _, v := range p.Volumes {
		if v.Name == volume {
			if v.PersistentVolumeClaim == nil || v.PersistentVolumeClaim.ClaimName != claim {
				t.Errorf("%s: volume %s is not claim %s", what, volume, claim)
			}
			return
		}
	}
	t.Errorf("%s: no volume %s", what, volume)
}

// onVolume reports whether path lies under the mount of volume in c.
func onVolume(c corev1.Container, volume, path string) bool {
	for _, m := range c.VolumeMounts {
		if m.Name == volume && path != "" && strings.HasPrefix(path+"/", strings.TrimSuffix(m.MountPath, "/")+"/") {
			return true
		}
	}
	return false
}

func failIndexCodes(j *batchv1.Job) []int32 {
	var codes []int32
	if j.Spec.PodFailurePolicy == nil {
		return nil
	}
	for _, r := range j.Spec.PodFailurePolicy.Rules {
		if r.Action == batchv1.PodFailurePolicyActionFailIndex && r.OnExitCodes != nil && r.OnExitCodes.Operator == batchv1.PodFailurePolicyOnExitCodesOpIn {
			codes = append(codes, r.OnExitCodes.Values...)
		}
	}
	return codes
}

func envValue(c corev1.Container, name string) string {
	for _, e := range c.Env {
		if e.Name == name {
			return e.Value
		}
	}
	return ""
}

// flag returns the value after name in args ("" when absent).
func flag(args []string, name string) string {
	if i := slices.Index(args, name); i >= 0 && i+1 < len(args) {
		return args[i+1]
	}
	return ""
}

func containerPort(c corev1.Container, nameOrNumber string) int32 {
	for _, p := range c.Ports {
		if p.Name == nameOrNumber || strconv.Itoa(int(p.ContainerPort)) == nameOrNumber {
			return p.ContainerPort
		}
	}
	return 0
}

func keys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
