#!/bin/sh
# Failure-path scenario for harness.test.ts: the guest kernel panics before any rc file is written.
echo c > /proc/sysrq-trigger
