#!/bin/sh
# live.sh - run the pgwire live test against the project's own PostgreSQL (started if need be).
# usage: live.sh HARNESS TEST_BINARY
set -eu
harness=$1
test_bin=$2
RINGSIDE_PG_URL=$("$harness" pg start | tail -n 1)
RINGSIDE_PG_URL_MD5=$("$harness" pg url --user=bench_md5)
RINGSIDE_PG_URL_SCRAM=$("$harness" pg url --user=bench_scram)
export RINGSIDE_PG_URL RINGSIDE_PG_URL_MD5 RINGSIDE_PG_URL_SCRAM
exec "$test_bin"
