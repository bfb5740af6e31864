#!/bin/bash
# A real single-host Slurm (munged, slurmctld, slurmd from Debian's slurm-wlm and munge, on loopback, in a
# private folder) runs packaging/slurm/krait-batch-array.sbatch as a 3-task array over 6 catalogue volumes. One
# task is killed (SIGKILL) in the middle of its second case and requeued. Then: every case has exactly one mask
# and one report, each report says ok and agrees with its mask (read by Debian's nibabel), the cases finished before the
# kill were not written again, nothing half-written is left, and the daemons are stopped and their files gone.
# Needs root: slurmd launches the job's processes.
# Usage: slurm_array_test.sh KRAIT_PROGRAM SOURCE_DIR TESTDATA_DIR
set -euo pipefail
krait=$(realpath "$1") src=$(realpath "$2") data=$3
fail() { echo "FAIL: $*" >&2; exit 1; }
say() { echo "[$(date +%T)] $*"; }
[ "$(id -u)" -eq 0 ] || fail "needs root: slurmd must start the jobs' processes"
for p in munged slurmctld slurmd sbatch squeue scontrol; do command -v $p >/dev/null || fail "$p is missing (scripts/install-deps.sh installs slurm-wlm and munge)"; done

work=$(mktemp -d /tmp/krait-slurm.XXXXXX)
pids=()
cleanup() {
  local rc=$?
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && { echo "FAIL: daemon $pid did not stop" >&2; kill -9 "$pid"; rc=1; }
  done
  # Jobs slurmd started die with it; a job process left behind would be a leak of the test.
  if pgrep -f "$work" >/dev/null; then echo "FAIL: processes of the test outlived the daemons" >&2; pkill -9 -f "$work"; rc=1; fi
  if [ $rc -ne 0 ]; then
    for log in "$work"/*.log; do echo "--- $log"; tail -n 30 "$log"; done >&2
  fi
  rm -rf "$work"
  [ $rc -eq 0 ] && echo "daemons stopped, $work removed"
  exit $rc
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
mkdir -p "$work/munge" "$work/state" "$work/spool" "$work/input" "$work/output"
chmod 700 "$work/munge"
dd if=/dev/urandom of="$work/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$work/munge/munge.key"
sock=$work/munge/munge.socket
munged --force --key-file="$work/munge/munge.key" --socket="$sock" --pid-file="$work/munge/munged.pid" \
  --log-file="$work/munged.log" --seed-file="$work/munge/munged.seed"
for _ in $(seq 50); do [ -s "$work/munge/munged.pid" ] && break; sleep 0.1; done
pids+=("$(cat "$work/munge/munged.pid")")

read -r cpus mem < <(slurmd -C | sed -n 's/.*CPUs=\([0-9]*\).*RealMemory=\([0-9]*\).*/\1 \2/p')
export SLURM_CONF=$work/slurm.conf
cat > "$SLURM_CONF" <<CONF
ClusterName=krait-test
SlurmctldHost=$(hostname -s)(127.0.0.1)
SlurmctldPort=$(free_port)
SlurmdPort=$(free_port)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$sock
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
# No cgroups: the test must run in containers and on machines without systemd.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
MpiDefault=none
ReturnToService=2
JobRequeue=1
MailProg=/bin/true
NodeName=krait-node NodeAddr=127.0.0.1 NodeHostname=$(hostname -s) CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=krait Nodes=krait-node Default=YES MaxTime=INFINITE State=UP
CONF
slurmctld -D -i > "$work/slurmctld.out" 2>&1 & pids+=($!)
slurmd -D -N krait-node > "$work/slurmd.out" 2>&1 & pids+=($!)
for _ in $(seq 150); do [ "$(sinfo -h -n krait-node -o %T 2>/dev/null)" = idle ] && break; sleep 0.2; done
[ "$(sinfo -h -n krait-node -o %T)" = idle ] || fail "the node did not come up: $(sinfo -h -n krait-node -o '%T %E')"
say "slurm up: node krait-node with $cpus CPUs"

# Six real volumes (tests/data/MANIFEST.tsv) under case names; sorted, task i of 3 takes cases i and i+3.
# Without test-time mirroring, to keep the test short: it is about the scheduling, not the masks.
ln -s "$data/nifti-nibabel/anatomical.nii" "$work/input/anatomical.nii"
ln -s "$data/nifti-mricron/JHU-WhiteMatter-labels-2mm.nii.gz" "$work/input/jhu_2mm.nii.gz"
ln -s "$data/nifti-itk/KmeansTest_T1KmeansPrelimSegmentation.nii.gz" "$work/input/kmeans_prelimseg.nii.gz"
ln -s "$data/nifti-itk/KmeansTest_T1RawSkullStrip.nii.gz" "$work/input/kmeans_skullstrip.nii.gz"
ln -s "$data/nifti-itk/KmeansTest_T1UCharRaw.nii.gz" "$work/input/kmeans_t1.nii.gz"
ln -s "$data/nifti-nibabel/standard.nii.gz" "$work/input/standard.nii.gz"
for f in "$work"/input/*; do [ -e "$f" ] || fail "missing test data $(readlink "$f") (scripts/fetch-test-data.sh)"; done

job=$(sbatch --parsable --array=0-2 --cpus-per-task=1 --mem=2G --chdir="$work" --output="$work/task-%A_%a.log" \
  --export=ALL,KRAIT="$krait",KRAIT_MODEL=demo-t1-brain,KRAIT_ARGS=--disable-tta,KRAIT_INPUT="$work/input",KRAIT_OUTPUT="$work/output" \
  "$src/packaging/slurm/krait-batch-array.sbatch")
say "submitted array job $job"

# Task 1's first case is jhu_2mm: once its report is there, the task is segmenting kmeans_t1.
for _ in $(seq 1200); do [ -e "$work/output/jhu_2mm.json" ] && break; sleep 0.1; done
[ -e "$work/output/jhu_2mm.json" ] || fail "task 1 did not finish its first case in 120 s"
victim=""
for pid in $(pgrep -x krait); do
  env=$(tr '\0' '\n' 2>/dev/null < "/proc/$pid/environ" || true)
  if grep -qx "SLURM_ARRAY_JOB_ID=$job" <<< "$env" && grep -qx "SLURM_ARRAY_TASK_ID=1" <<< "$env"; then victim=$pid; fi
done
[ -n "$victim" ] || fail "task 1's krait process was not found"
kill -9 "$victim"
[ ! -e "$work/output/kmeans_t1.json" ] || fail "task 1 finished kmeans_t1 before the kill: nothing to resume"
say "killed task 1 (pid $victim) in the middle of kmeans_t1"
# The reports written so far, to see that nothing finished is written again.
before=$(cd "$work/output" && stat -c '%n %i %Y' ./*.json)

for _ in $(seq 300); do
  state=$(squeue -h -j "${job}_1" -o %T 2>/dev/null || true)
  [ -z "$state" ] || [ "$state" = FAILED ] || [ "$state" = COMPLETED ] && break; sleep 0.1
done
scontrol requeue "${job}_1"
# Slurm holds a requeued job back for two minutes (its BeginTime); bring it forward, as an operator can.
scontrol update JobId="${job}_1" StartTime=now
say "requeued task 1: $(squeue -h -j "${job}_1" -o '%T, reason %r, start %S')"
for _ in $(seq 3000); do [ -z "$(squeue -h -j "$job" 2>/dev/null)" ] && break; sleep 0.1; done
[ -z "$(squeue -h -j "$job")" ] || fail "the array did not finish within 300 s: $(squeue -h -j "$job")"

log1="$work/task-${job}_1.log"
grep -q "restart 0" "$log1" && grep -q "restart 1" "$log1" || fail "task 1's log does not show both runs"
grep -q "2 cases: 1 done, 1 skipped, 0 failed" "$log1" || fail "the requeued task 1 did not skip its finished case and do the other"
for t in 0 2; do grep -q "2 cases: 2 done, 0 skipped, 0 failed" "$work/task-${job}_$t.log" || fail "task $t did not do its 2 cases"; done
after=$(cd "$work/output" && stat -c '%n %i %Y' $(echo "$before" | cut -d' ' -f1))
[ "$before" = "$after" ] || fail "a finished case was written again: before the kill '$before', now '$after'"

/usr/bin/python3 - "$work/input" "$work/output" <<'PY'
import json, os, sys
import nibabel as nib
import numpy as np
inp, out = sys.argv[1:]
cases = sorted(f.split(".")[0] for f in os.listdir(inp))
expected = sorted(sum(([c + ".nii.gz", c + ".json"] for c in cases), []))
assert sorted(os.listdir(out)) == expected, f"output folder holds {sorted(os.listdir(out))}, expected {expected}"
checksums = set()
for c in cases:
    report = json.load(open(os.path.join(out, c + ".json")))
    assert report["status"] == "ok" and report["case"] == c, (c, report.get("status"), report.get("error"))
    checksums.add(report["model"]["checksum"])
    mask = np.asarray(nib.load(os.path.join(out, c + ".nii.gz")).dataobj)
    source = nib.load([os.path.join(inp, f) for f in os.listdir(inp) if f.split(".")[0] == c][0])
    assert mask.shape == source.shape[:3], (c, mask.shape, source.shape)
    counted = {int(v): int(n) for v, n in zip(*np.unique(mask, return_counts=True)) if v != 0}
    reported = {l["label"]: l["voxels"] for l in report["labels"] if l["voxels"] > 0}
    assert counted == reported, f"{c}: the mask has {counted} voxels per label, the report says {reported}"
assert len(checksums) == 1, checksums
print(f"{len(cases)} cases: one mask and one report each, reports agree with the masks")
PY
say "PASS"
