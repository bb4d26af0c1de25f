#!/bin/sh
# Turborepo with its telemetry and update check off: every root script runs turbo through this, so no README
# command path announces or sends telemetry (nothing may leave this machine but package downloads).
export TURBO_TELEMETRY_DISABLED=1 TURBO_NO_UPDATE_NOTIFIER=1 DO_NOT_TRACK=1
exec "$(dirname "$0")/../node_modules/.bin/turbo" "$@"
