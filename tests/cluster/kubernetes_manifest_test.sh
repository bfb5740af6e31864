#!/bin/sh
# Checks packaging/kubernetes/ without a cluster: no kubectl can dry-run a manifest offline (it needs the API
# server's discovery and OpenAPI), so
#   1. the GPU overlay is rendered with kubectl kustomize where kubectl has it (1.21+; Debian 12's 1.20 lacks
#      `patches`) and compared with this script's own strategic merge, which is used where kubectl is missing;
#   2. every object is checked field by field against the models of the Kubernetes Python client
#      (python3-kubernetes, generated from the API's OpenAPI schema: unknown or mistyped fields, missing
#      required ones). Debian's client knows API 1.22, so the Job fields added since (podFailurePolicy,
#      backoffLimitPerIndex, podReplacementPolicy) are checked here by the rules of the API server's validation;
#   3. what Krait relies on: an Indexed job whose completions equal --shards, model and input read-only, the
#      output writable and shared, --threads equal to the CPU limit, krait's exit codes mapped to the policy;
#   4. with KRAIT, what each pod runs: JOB_COMPLETION_INDEX=i and the manifest's own arguments, on local
#      folders standing for the volumes, over tiny synthetic cases: shards disjoint and complete, a rerun skips
#      every case, a pod killed mid-case resumes, a failing case exits 3, an index beyond --shards exits 2.
# Usage: kubernetes_manifest_test.sh SOURCE_DIR [KRAIT]. python3-yaml and python3-kubernetes are required
# (scripts/install-deps.sh installs them): a missing one fails the test rather than skipping a check.
set -eu
src=$1
krait=${2:-}
dir=$src/packaging/kubernetes
py=/usr/bin/python3  # Debian's, which has python3-yaml and python3-kubernetes; not a virtualenv's
[ -x "$py" ] || py=python3
"$py" -c 'import yaml' 2>/dev/null || { echo "FAIL: python3-yaml is not installed"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rendered=
if command -v kubectl >/dev/null 2>&1 && kubectl kustomize "$dir/cuda" >"$work/cuda.yaml" 2>"$work/kustomize.log"; then
  rendered=$work/cuda.yaml
fi
"$py" - "$dir" "$rendered" "$krait" "$work" "$src" <<'EOF'
import copy, hashlib, json, os, struct, subprocess, sys, yaml

dir_, rendered, krait, work, src = sys.argv[1:]
failures = []
def check(ok, what):
    if not ok: failures.append(what)
    return ok
def load(path):
    with open(os.path.join(dir_, path)) as f: return [d for d in yaml.safe_load_all(f) if d]

# --- 1. the two jobs: cpu/ as written, cuda/ = cpu/ + images + the strategic-merge patch -----------------------
def merge(base, patch):
    """Strategic merge as far as job-gpu.yaml needs it: maps merge, lists of named maps merge by name,
    other lists (args, tolerations) are replaced."""
    if isinstance(base, dict) and isinstance(patch, dict):
        return {**base, **{k: merge(base[k], v) if k in base else v for k, v in patch.items()}}
    if isinstance(base, list) and isinstance(patch, list) and all(isinstance(x, dict) and "name" in x for x in base + patch):
        out = [merge(b, next((p for p in patch if p["name"] == b["name"]), {})) for b in base]
        return out + [p for p in patch if p["name"] not in {b["name"] for b in base}]
    return patch

cpu_k, cuda_k = load("cpu/kustomization.yaml")[0], load("cuda/kustomization.yaml")[0]
(cpu_job,) = [d for r in cpu_k["resources"] for d in load("cpu/" + r)]
check(cuda_k["resources"] == ["../cpu"], "cuda/ must be an overlay of ../cpu")
cuda_job = copy.deepcopy(cpu_job)
for p in cuda_k.get("patches", []):
    (patch,) = load("cuda/" + p["path"])
    cuda_job = merge(cuda_job, patch)
for img in cuda_k.get("images", []):
    for c in cuda_job["spec"]["template"]["spec"]["containers"]:
        if c.get("image", "").split(":")[0] == img["name"]: c["image"] = img["name"] + ":" + img["newTag"]
def quantities_as_strings(x, key=""):  # kustomize writes cpu: 2 as "2"
    if isinstance(x, dict): return {k: quantities_as_strings(v, k if key not in ("limits", "requests") else key) for k, v in x.items()}
    if isinstance(x, list): return [quantities_as_strings(v) for v in x]
    return str(x) if key in ("limits", "requests") and isinstance(x, (int, float)) else x
if rendered:
    check([quantities_as_strings(cuda_job)] == [quantities_as_strings(d) for d in yaml.safe_load_all(open(rendered)) if d],
          "kubectl kustomize cuda/ renders another job than this script's merge")
else:
    print("note: no kubectl with kustomize 'patches'; cuda/ rendered by this script's merge only")
storage, loader = load("storage.yaml"), load("data-loader.yaml")[0]

# --- 2. the schema of Kubernetes' own client, then the newer Job fields by the API server's rules -------------
NEWER = {"V1JobSpec": {"podFailurePolicy", "backoffLimitPerIndex", "podReplacementPolicy", "maxFailedIndexes"}}
try:
    import kubernetes.client as k8s
except ImportError:
    k8s = None
def walk(value, typ, where):
    if typ.startswith("list["):
        if check(isinstance(value, list), f"{where}: expected a list"):
            for i, v in enumerate(value): walk(v, typ[5:-1], f"{where}[{i}]")
    elif typ.startswith("dict("):
        if check(isinstance(value, dict), f"{where}: expected a map"):
            inner = typ[5:-1].split(", ", 1)[1]
            for k, v in value.items():  # resource quantities may be numbers (nvidia.com/gpu: 1)
                walk(str(v) if where.endswith(("limits", "requests")) and isinstance(v, (int, float)) else v, inner, f"{where}.{k}")
    elif typ in ("str", "int", "bool", "float"):
        want = {"str": str, "int": int, "bool": bool, "float": (int, float)}[typ]
        check(isinstance(value, want) and not (typ == "int" and isinstance(value, bool)), f"{where}: expected {typ}, got {value!r}")
    elif typ not in ("object", "datetime"):
        model = getattr(k8s, typ)
        if not check(isinstance(value, dict), f"{where}: expected a {typ} map"): return
        fields = {j: model.openapi_types[p] for p, j in model.attribute_map.items()}
        for k, v in value.items():
            if k in fields: walk(v, fields[k], f"{where}.{k}")
            else: check(k in NEWER.get(typ, ()), f"{where}.{k}: no such field in {typ}")
def schema(obj, name):
    version = obj["apiVersion"].split("/")[-1]
    typ = version[0].upper() + version[1:] + obj["kind"]
    walk(obj, typ, name)
    try:  # the client's constructors refuse missing required fields
        k8s.ApiClient()._ApiClient__deserialize(obj, typ)
    except ValueError as e:
        failures.append(f"{name}: {e}")

def newer_job_rules(job, name):
    s, pod = job["spec"], job["spec"]["template"]["spec"]
    names = {c.get("name") for c in pod["containers"] + pod.get("initContainers", [])}
    if "backoffLimitPerIndex" in s:
        check(s.get("completionMode") == "Indexed", f"{name}: backoffLimitPerIndex needs completionMode Indexed")
        check(isinstance(s["backoffLimitPerIndex"], int) and s["backoffLimitPerIndex"] >= 0, f"{name}: backoffLimitPerIndex >= 0")
    policy = s.get("podFailurePolicy")
    if policy:
        check(pod.get("restartPolicy") == "Never", f"{name}: podFailurePolicy needs restartPolicy Never")
        check(s.get("podReplacementPolicy", "Failed") == "Failed", f"{name}: podFailurePolicy needs podReplacementPolicy Failed")
        check(len(policy["rules"]) <= 20, f"{name}: at most 20 podFailurePolicy rules")
        for i, r in enumerate(policy["rules"]):
            w = f"{name}: podFailurePolicy.rules[{i}]"
            check(r.get("action") in ("FailJob", "Ignore", "Count", "FailIndex"), f"{w}: unknown action")
            check(r.get("action") != "FailIndex" or "backoffLimitPerIndex" in s, f"{w}: FailIndex needs backoffLimitPerIndex")
            check(("onExitCodes" in r) != ("onPodConditions" in r), f"{w}: exactly one of onExitCodes, onPodConditions")
            e = r.get("onExitCodes")
            if e:
                v = e.get("values", [])
                check(e.get("operator") in ("In", "NotIn"), f"{w}: operator In or NotIn")
                check(e.get("containerName", next(iter(names))) in names, f"{w}: containerName is no container")
                check(0 < len(v) <= 255 and all(isinstance(x, int) for x in v), f"{w}: 1 to 255 integer values")
                check(v == sorted(set(v)), f"{w}: values must be unique and ordered")
                check(e.get("operator") != "In" or 0 not in v, f"{w}: In may not list 0")
            for c in r.get("onPodConditions", []):
                check(c.get("type") and c.get("status", "True") in ("True", "False", "Unknown"), f"{w}: bad pod condition")
    check(s.get("podReplacementPolicy", "Failed") in ("Failed", "TerminatingOrFailed"), f"{name}: bad podReplacementPolicy")

if k8s:
    for obj, name in [(cpu_job, "cpu job"), (cuda_job, "cuda job"), (loader, "data-loader")] + [(p, "storage " + p["metadata"]["name"]) for p in storage]:
        schema(obj, name)
for job, name in [(cpu_job, "cpu job"), (cuda_job, "cuda job")]:
    newer_job_rules(job, name)
def report():
    for f in failures: print("FAIL:", f)
    if failures: sys.exit(1)
report()  # the checks below take the objects' shape for granted

# --- 3. what Krait relies on ------------------------------------------------------------------------------
def cores(q):
    q = str(q)
    return int(q[:-1]) / 1000 if q.endswith("m") else float(q)
claims = {p["metadata"]["name"]: p for p in storage}
def krait_checks(job, name, device):
    s, pod = job["spec"], job["spec"]["template"]["spec"]
    (c,) = [c for c in pod["containers"] if c["name"] == "krait"]
    argv = c.get("command", []) + c.get("args", [])
    if not check(argv[:2] == ["krait", "batch"], f"{name}: runs krait batch"): return None
    opt = dict(zip(argv[2::2], argv[3::2]))
    check(s.get("completionMode") == "Indexed", f"{name}: completionMode Indexed (pods read JOB_COMPLETION_INDEX)")
    check("--shard" not in argv, f"{name}: --shard i/N would give every pod the same shard; use --shards N")
    check(str(s.get("completions")) == opt.get("--shards"), f"{name}: completions {s.get('completions')} != --shards {opt.get('--shards')}")
    check(0 < s.get("parallelism", 1) <= s.get("completions", 0), f"{name}: 0 < parallelism <= completions")
    res = c.get("resources", {})
    check(opt.get("--threads") and cores(res.get("limits", {}).get("cpu", 0)) == int(opt["--threads"]) == cores(res.get("requests", {}).get("cpu", 0)),
          f"{name}: --threads must equal the CPU request and limit (LibTorch would use every core of the node)")
    check("memory" in res.get("limits", {}), f"{name}: a memory limit")
    check(opt.get("--device", "cpu").split(":")[0] == device, f"{name}: --device {device}")
    gpus = [res.get(k, {}).get("nvidia.com/gpu") for k in ("requests", "limits")]
    check(gpus == ([1, 1] if device == "cuda" else [None, None]), f"{name}: nvidia.com/gpu requests = limits = {1 if device == 'cuda' else 'none'}")
    check(c["image"].endswith(":" + device), f"{name}: image krait:{device}")
    vols = {v["name"]: v for v in pod["volumes"]}
    def mount_of(path):
        m = [m for m in c["volumeMounts"] if (path + "/").startswith(m["mountPath"].rstrip("/") + "/")]
        return max(m, key=lambda m: len(m["mountPath"])) if check(m, f"{name}: {path} is on no volume") else None
    for path, writable in [(opt["-m"], False), (opt["--input-dir"], False), (opt["-o"], True)]:
        m = mount_of(path)
        if not m: continue
        pvc = vols[m["name"]].get("persistentVolumeClaim")
        check(bool(m.get("readOnly")) != writable and (not pvc or bool(pvc.get("readOnly")) != writable),
              f"{name}: {path} must be {'writable' if writable else 'read-only'}")
        if check(pvc and pvc["claimName"] in claims, f"{name}: {path} on a claim of storage.yaml"):
            modes = claims[pvc["claimName"]]["spec"]["accessModes"]
            check(not writable or "ReadWriteMany" in modes, f"{name}: the output claim needs ReadWriteMany (pods on many nodes write it)")
    check(not (opt["-o"] + "/").startswith(opt["--input-dir"] + "/"), f"{name}: the output inside the input")
    sc, psc = c.get("securityContext", {}), pod.get("securityContext", {})
    check(psc.get("runAsNonRoot") and psc.get("runAsUser", 0) != 0, f"{name}: runs as a non-root user")
    env = {e["name"]: e.get("value") for e in c.get("env", [])}
    if sc.get("readOnlyRootFilesystem"):
        m = mount_of(env.get("HOME", "/"))
        check(m and not m.get("readOnly") and "emptyDir" in vols[m["name"]], f"{name}: HOME on a writable emptyDir (read-only root)")
    # krait's exit codes (docs/cli.md) against the failure policy.
    action = {}
    for r in s.get("podFailurePolicy", {}).get("rules", []):
        for code in r.get("onExitCodes", {}).get("values", []): action.setdefault(code, r["action"])
    check(action.get(2) == "FailJob" and action.get(3) == "FailIndex" and action.get(130) == "Ignore",
          f"{name}: exit 2 -> FailJob, 3 -> FailIndex, 130 -> Ignore")
    return c, opt

cpu = krait_checks(cpu_job, "cpu job", "cpu")
krait_checks(cuda_job, "cuda job", "cuda")
mounted = {(m["mountPath"], v["persistentVolumeClaim"]["claimName"]) for m in cpu_job["spec"]["template"]["spec"]["containers"][0]["volumeMounts"]
           for v in cpu_job["spec"]["template"]["spec"]["volumes"] if v["name"] == m["name"] and "persistentVolumeClaim" in v}
loaded = {(m["mountPath"], v["persistentVolumeClaim"]["claimName"]) for m in loader["spec"]["containers"][0]["volumeMounts"]
          for v in loader["spec"]["volumes"] if v["name"] == m["name"]}
check(mounted == loaded, "data-loader.yaml mounts other claims or paths than the job")

# --- 4. what each pod runs, locally -------------------------------------------------------------------------
def nifti(path, fill):  # a 48x48x1 uint8 NIfTI-1, 1 mm: the demo model segments it in about a second
    h = bytearray(348)
    h[0:4] = (348).to_bytes(4, "little")
    for i, v in enumerate([3, 48, 48, 1, 1, 1, 1, 1]): h[40 + 2 * i:42 + 2 * i] = v.to_bytes(2, "little")
    h[70:74] = bytes([2, 0, 8, 0])  # uint8
    struct.pack_into("<8f", h, 76, 1, 1, 1, 1, 1, 1, 1, 1)
    struct.pack_into("<ff", h, 108, 352.0, 1.0)
    h[123], h[252] = 2, 1  # mm; qform_code 1
    h[344:348] = b"n+1\0"
    data = bytes(fill if (x - 24) ** 2 + (y - 24) ** 2 < 256 else 10 for y in range(48) for x in range(48))
    open(path, "wb").write(bytes(h) + bytes(4) + data)

def run_pods(c, opt):
    n = cpu_job["spec"]["completions"]
    # Local folders stand for the volumes; the model folder is the bundled one of the same name.
    local = {m["mountPath"]: os.path.join(work, m["name"]) for m in c["volumeMounts"]}
    local[os.path.dirname(opt["-m"])] = os.path.join(src, "resources", "models")
    for p in local.values(): os.makedirs(p, exist_ok=True)
    def here(p):
        for mount, path in sorted(local.items(), key=lambda kv: -len(kv[0])):
            if (p + "/").startswith(mount.rstrip("/") + "/"): return path + p[len(mount.rstrip("/")):]
        return p
    inp, out = here(opt["--input-dir"]), here(opt["-o"])
    cases = [f"case_{i:02d}" for i in range(7)]
    for i, case in enumerate(cases): nifti(os.path.join(inp, case + ".nii"), 100 + 20 * i)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLURM_")}  # Slurm's variables come first
    env.update({e["name"]: here(e["value"]) for e in c.get("env", [])})
    def pod(index):
        r = subprocess.run([krait] + c["command"][1:] + [here(a) if a.startswith("/") else a for a in c["args"]] + ["--json"],
                           env={**env, "JOB_COMPLETION_INDEX": str(index)}, capture_output=True, text=True)
        lines = [json.loads(l) for l in r.stdout.splitlines() if l.startswith("{")]
        return r.returncode, lines, r.stderr
    def summary(lines): return lines[-1] if lines and "shard" in lines[-1] else {}
    done = {}
    for i in range(n):
        rc, lines, err = pod(i)
        check(rc == 0, f"pod {i}: exit {rc}: {err.strip()}")
        for l in lines:
            if l.get("status") == "ok": done.setdefault(l["case"], []).append(i)
    check(sorted(done) == cases and all(len(v) == 1 for v in done.values()), f"shards not disjoint and complete: {done}")
    reports = [json.load(open(p)) for p in (os.path.join(out, case + ".json") for case in cases) if os.path.exists(p)]
    check(len(reports) == len(cases) and len({r["model"]["checksum"] for r in reports}) == 1 and all(r["status"] == "ok" for r in reports), "reports: ok, one model checksum")
    if failures: return
    for i in range(n):  # a retried pod, or the whole job applied again: nothing left to do
        rc, lines, err = pod(i)
        s = summary(lines)
        check(rc == 0 and s.get("done") == 0 and s.get("skipped") == s.get("cases"), f"rerun of pod {i} did not skip every case: {s} {err.strip()}")
    # A pod killed mid-case: the case's outputs never appeared, its staging folder stayed behind.
    victim = cases[3]
    for ext in (".nii.gz", ".json"): os.remove(os.path.join(out, victim + ext))
    # named as krait names a staging folder: for its target (core/base/src/atomic_output.cpp)
    staging = os.path.join(out, ".krait-partial-" + hashlib.sha256((victim + ".nii.gz").encode()).hexdigest()[:16] + "-1-12345")
    os.makedirs(staging)
    open(os.path.join(staging, victim + ".nii.gz"), "w").write("half")
    rc, lines, err = pod(done[victim][0])
    s = summary(lines)
    check(rc == 0 and s.get("done") == 1 and s.get("skipped") == s.get("cases") - 1, f"the killed pod's retry: {s} {err.strip()}")
    check(not os.path.exists(staging), "the killed pod's staging folder is still there")
    # A case that fails: exit 3 (FailIndex), and a retry tries it again rather than skipping it.
    open(os.path.join(inp, "case_zz.nii"), "wb").write(b"not an image")
    index = sorted(cases + ["case_zz"]).index("case_zz") % n
    for attempt in (1, 2):
        rc, lines, err = pod(index)
        s = summary(lines)
        check(rc == 3 and s.get("failed") == 1, f"a failing case, attempt {attempt}: exit {rc}, {s}")
    check(json.load(open(os.path.join(out, "case_zz.json")))["status"] == "failed", "the failing case's report says failed")
    rc, _, err = pod(n)  # an index beyond --shards: FailJob
    check(rc == 2, f"JOB_COMPLETION_INDEX={n} with --shards {n}: exit {rc}, not 2")

if krait and cpu and not failures:
    if os.path.isdir(os.path.join(src, "resources", "models", os.path.basename(cpu[1]["-m"]))): run_pods(*cpu)
    else: check(False, f"the pods cannot run: {cpu[1]['-m']} is no bundled model")
report()
print("packaging/kubernetes: ok" + ("" if krait else " (pods not run: no krait given)"))
if not k8s: print("FAIL: the schema check needs python3-kubernetes")
sys.exit(0 if k8s else 1)
EOF
