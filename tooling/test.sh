#!/usr/bin/env bash
# `pnpm test`: every package's tests, in two lanes. @pgha/deploy's tests (about 7 minutes, mostly real clusters
# and drills, one file at a time) start at once; every other package's tests run
# beside them, one package at a time. Under turbo alone deploy's tests depend on every package's build and started
# last, after the others had used both lanes: the whole took their sum plus deploy's, not the longer of the two.
set -uo pipefail
cd "$(dirname "$0")/.."
bash tooling/test-prereqs.sh || exit $?
sh tooling/turbo.sh run build --output-logs=errors-only || exit $?

pnpm --filter @pgha/deploy run test 2>&1 | sed -u 's/^/@pgha\/deploy:test: /' &
deploy=$!
sh tooling/turbo.sh run test --filter='!@pgha/deploy' --concurrency=1 &
rest=$!
wait "$deploy"
deploy_status=$?
wait "$rest"
rest_status=$?
if [ "$deploy_status" -ne 0 ] || [ "$rest_status" -ne 0 ]; then
  echo "pnpm test: failed (@pgha/deploy exit $deploy_status, the other packages exit $rest_status)" >&2
  exit 1
fi
