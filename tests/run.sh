#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine (run as root):
# installs what is missing, builds, and runs every tier:
#   1. build with -Werror, cmocka unit tests
#   2. integration tests: real oned, Python xmlrpc.client and the CLI; the
#      kvm driver against private libvirtd instances and TCG guests; the
#      storage drivers against them and a private single-node Ceph; image
#      imports from a local HTTP server
#   3. the same two tiers built with AddressSanitizer + UBSan
#   4. oned under valgrind for the core integration scenarios (incl. the
#      tenancy ones: dedication, reference-counted rules, group deletion)
#   5. libFuzzer runs of the untrusted-input parsers (XML-RPC, templates, ACL
#      rules, domain XML, expressions, image headers)
# Ends with one "N passed, N failed" line; exits non-zero on any failure.
# FUZZ_SECONDS (default 30) sets the length of each fuzz run.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RESULTS="$ROOT/test-results"
FUZZ_SECONDS=${FUZZ_SECONDS:-30}
JOBS=$(nproc)
PY=/usr/bin/python3
failed_tiers=()

step() { printf '\n=== %s ===\n' "$*"; }
tier_fail() { failed_tiers+=("$1"); echo "*** tier failed: $1"; }

set -e
bash "$ROOT/share/scripts/deps.sh" test
cd "$ROOT"
rm -rf "$RESULTS" && mkdir -p "$RESULTS"
step "autoreconf"
autoreconf -fi >/dev/null
set +e

# build DIR CONFIGURE-ARGS...: configure and build out of tree.
build() {
    local dir=$1; shift
    mkdir -p "$ROOT/$dir" &&
    (cd "$ROOT/$dir" && "$ROOT/configure" -q --enable-werror "$@" && make -j"$JOBS" -s)
}

# unit DIR NAME: make check, keep the logs.
unit() {
    (cd "$ROOT/$1" && make -j"$JOBS" -s check)
    local rc=$?
    mkdir -p "$RESULTS/$2"
    find "$ROOT/$1/tests/unit" -name '*.log' -exec cp {} "$RESULTS/$2/" \;
    return $rc
}

# integration DIR NAME [pytest args]: the Python tier against that build.
integration() {
    local dir=$1 name=$2; shift 2
    NUBES_BUILD="$ROOT/$dir" $PY -m pytest -q -p no:cacheprovider \
        --junitxml="$RESULTS/$name.xml" "$@" "$ROOT/tests/integration"
}

step "1. build (-Werror) and unit tests"
if build build; then
    unit build unit || tier_fail "unit"
    step "2. integration tests"
    integration build integration || tier_fail "integration"
else
    tier_fail "build"
fi

step "3. AddressSanitizer + UndefinedBehaviorSanitizer"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
if build build-asan --enable-sanitizers; then
    unit build-asan unit-asan || tier_fail "unit (asan)"
    integration build-asan integration-asan || tier_fail "integration (asan)"
else
    tier_fail "build (asan)"
fi
unset ASAN_OPTIONS UBSAN_OPTIONS

step "4. oned under valgrind"
if [ -x "$ROOT/build/oned/oned" ]; then
    NUBES_VALGRIND=1 integration build valgrind -k "lifecycle or bad_input or durab or \
reference_counted or undedicate or deleting_a_group or become_oneadmin or \
private_libvirtd or real_guest or test_accounting or samples_survive or retention_expires or \
test_image_import or vm_disks_take_the_image or forced_delete_flattens or \
image_allocate_charges" || tier_fail "valgrind"
fi

step "5. fuzzing (${FUZZ_SECONDS}s per target)"
# The sources each fuzz target is linked from, besides tests/fuzz/fuzz_$t.c.
declare -A fuzz_sources=(
    [xmlrpc]="lib/xmlrpc.c lib/buf.c lib/util.c"
    [template]="lib/template.c lib/buf.c lib/util.c"
    [acl]="acl/rule_text.c acl/rule.c acl/perm.c lib/buf.c lib/util.c"
    [domain]="drivers/libvirt/domain.c drivers/vmm.c drivers/datastore.c lib/template.c lib/buf.c lib/util.c"
    [expr]="scheduler/expr.c lib/buf.c lib/util.c"
    [image_format]="lib/image_format.c lib/util.c"
)
fuzz_ok=0; fuzz_bad=0
for t in xmlrpc template acl domain expr image_format; do
    bin="$ROOT/build/fuzz_$t"
    corpus="$RESULTS/corpus-$t"
    srcs=()
    for f in ${fuzz_sources[$t]}; do srcs+=("$ROOT/$f"); done
    mkdir -p "$corpus" && cp -r "$ROOT/tests/fuzz/corpus/$t/." "$corpus/" 2>/dev/null
    if clang -g -O1 -fsanitize=fuzzer,address,undefined -I"$ROOT" \
           $(pkg-config --cflags libxml-2.0) "$ROOT/tests/fuzz/fuzz_$t.c" "${srcs[@]}" \
           $(pkg-config --libs libxml-2.0) -lcrypto -o "$bin" &&
       (cd "$RESULTS" && "$bin" -max_total_time="$FUZZ_SECONDS" -max_len=65536 \
           -print_final_stats=1 "$corpus" > "$RESULTS/fuzz-$t.log" 2>&1); then
        fuzz_ok=$((fuzz_ok + 1)); echo "fuzz_$t: no crash ($(grep -m1 stat::number_of_executed_units "$RESULTS/fuzz-$t.log" | awk '{print $2}') runs)"
    else
        fuzz_bad=$((fuzz_bad + 1)); tail -30 "$RESULTS/fuzz-$t.log"; tier_fail "fuzz $t"
    fi
done
echo "$fuzz_ok $fuzz_bad" > "$RESULTS/fuzz.counts"

step "summary"
$PY - "$RESULTS" <<'PY'
import glob, os, re, sys, xml.etree.ElementTree as ET
res = sys.argv[1]
passed = failed = skipped = 0
for log in glob.glob(os.path.join(res, "unit*", "*.log")):
    text = open(log, errors="replace").read()
    for m in re.finditer(r"\[  PASSED  \] (\d+) test", text): passed += int(m.group(1))
    for m in re.finditer(r"\[  FAILED  \] (\d+) test", text): failed += int(m.group(1))
for x in glob.glob(os.path.join(res, "*.xml")):
    for s in ET.parse(x).getroot().iter("testsuite"):
        t, f, e, sk = (int(s.get(k, 0)) for k in ("tests", "failures", "errors", "skipped"))
        passed += t - f - e - sk; failed += f + e; skipped += sk
ok, bad = map(int, open(os.path.join(res, "fuzz.counts")).read().split())
passed += ok; failed += bad
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
if [ ${#failed_tiers[@]} -gt 0 ]; then
    echo "FAILED tiers: ${failed_tiers[*]}"
    exit 1
fi
