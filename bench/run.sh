#!/usr/bin/env bash
# The side-by-side benchmark: What Matters' HTTP mode (SQLite, PostgreSQL)
# and a minimal Bolt for JavaScript app, the same signed Slack load against
# each in turn on this machine. Prints a Markdown table (also WORK/table.md;
# raw figures in WORK/results.json, the systems' logs in WORK/logs/).
#
#   bench/run.sh [-rounds N] [-n N] [-c 16,64] [-burst 64] [-pg URL]
#                [-work DIR] [-rev REV | -wm BINARY] [-- more bench flags]
#
#   -rounds N   rounds; each runs every system once (default 3)
#   -n N        thread replies in each ack run (default 4000)
#   -c LIST     requests in flight, one ack run for each (default 16,64)
#   -burst N    /reflect commands in the burst, each in its own channel (64)
#   -pg URL     a PostgreSQL server on this machine, with a database to
#               connect to (default postgres://postgres@127.0.0.1:5432/postgres);
#               databases wmbench_PID_rN are made there and dropped
#   -work DIR   binaries, node_modules, SQLite files, logs, results
#               (default ${TMPDIR:-/tmp}/wmbench)
#   -rev REV    measure this commit of the repository (built from
#               git archive) rather than the work tree as it is
#   -wm BINARY  measure this whatmatters binary
#   after --    -systems wm-sqlite,wm-pg,bolt  -channels 8  -users 50
#               -burst-latency 50ms  -quiet-wait 20s  -deadline 90s
#
# Needs go, node >= 20 and npm (the npm registry, the first time), and for
# wm-pg a PostgreSQL server on loopback whose user may create databases.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
work=${TMPDIR:-/tmp}/wmbench
rev=
wm=
pass=()
while [[ $# -gt 0 ]]; do
	case $1 in
	-rounds | -n | -c | -burst | -pg)
		[[ $# -ge 2 ]] || { echo "run.sh: $1 needs a value" >&2; exit 2; }
		pass+=("$1" "$2")
		shift 2
		;;
	-work) work=${2:?-work needs a folder}; shift 2 ;;
	-rev) rev=${2:?-rev needs a commit}; shift 2 ;;
	-wm) wm=${2:?-wm needs a binary}; shift 2 ;;
	--) shift; pass+=("$@"); break ;;
	-h | -help | --help) sed -n '2,26p' "$0"; exit 0 ;;
	*) echo "run.sh: unknown flag $1 (see bench/run.sh -h)" >&2; exit 2 ;;
	esac
done
mkdir -p "$work"
work=$(cd "$work" && pwd)

echo "building the bench program into $work" >&2
(cd "$repo" && go build -tags wmbench -o "$work/wmbench" ./bench)

if [[ -n $wm ]]; then
	wm=$(cd "$(dirname "$wm")" && pwd)/$(basename "$wm")
	what="binary $wm"
elif [[ -n $rev ]]; then
	commit=$(git -C "$repo" rev-parse --verify "$rev^{commit}")
	rm -rf "$work/src"
	mkdir -p "$work/src"
	git -C "$repo" archive "$commit" | tar -x -C "$work/src"
	(cd "$work/src" && go build -o "$work/whatmatters" ./cmd/whatmatters)
	wm=$work/whatmatters
	what="commit $(git -C "$repo" rev-parse --short "$commit")"
else
	(cd "$repo" && go build -o "$work/whatmatters" ./cmd/whatmatters)
	wm=$work/whatmatters
	dirty=
	[[ -n $(git -C "$repo" status --porcelain --untracked-files=no 2>/dev/null) ]] && dirty=", with uncommitted changes"
	what="work tree at $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?')$dirty"
fi

# The Bolt app: installed in the work folder, never in the repository.
mkdir -p "$work/bolt"
for f in app.js package.json package-lock.json; do
	cp "$here/bolt/$f" "$work/bolt/$f"
done
stamp=$(sha256sum "$here/bolt/package-lock.json" | cut -d' ' -f1)
if [[ ! -f $work/bolt/node_modules/.wmbench-lock || $(cat "$work/bolt/node_modules/.wmbench-lock") != "$stamp" ]]; then
	echo "installing @slack/bolt into $work/bolt (npm ci)" >&2
	(cd "$work/bolt" && npm ci --no-audit --no-fund --loglevel=error >&2)
	echo "$stamp" >"$work/bolt/node_modules/.wmbench-lock"
fi

{
	echo "$(date -u '+%Y-%m-%d %H:%M UTC'): whatmatters $what; $(nproc) cores, $(go version | cut -d' ' -f3), node $(node --version)"
	echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
	"$work/wmbench" -wm "$wm" -bolt-dir "$work/bolt" -work "$work" "${pass[@]}"
	echo
	echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$work/table.md"
