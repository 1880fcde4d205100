#!/bin/bash
# Scenarios that exercise the harness's failure handling (harness.test.ts), chosen by SELFTEST:
#   crash-once  crash the guest kernel unless this is the retry (the harness renames the first
#               attempt's out/ to out.try1/, which the retry sees through the read-only host root)
#   crash       crash the guest kernel every time
#   hang        never finish (the in-guest timeout kills it)
set -euo pipefail
: "${OUT:?OUT is not set}"

case ${SELFTEST:-} in
crash-once)
    if [ -d "$OUT/../out.try1" ]; then echo "second attempt" > "$OUT/selftest.txt"; exit 0; fi
    echo c > /proc/sysrq-trigger ;;
crash)
    echo c > /proc/sysrq-trigger ;;
hang)
    echo "hanging" > "$OUT/selftest.txt"
    sleep 100000 ;;
*)
    echo "selftest.sh: SELFTEST must be crash-once, crash or hang" >&2; exit 2 ;;
esac
