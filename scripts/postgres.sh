#!/usr/bin/env bash
# A throwaway PostgreSQL server for the custodian's tests, on a free port under a temporary
# directory: `source scripts/postgres.sh` starts it and exports EHR_TEST_POSTGRES (its URL);
# `postgres_stop` stops it and removes its files. Debian's server, run as the `postgres` user
# when this runs as root (PostgreSQL refuses root).
postgres_start() {
	local bin
	bin="$(ls -d /usr/lib/postgresql/*/bin | tail -1)"
	EHR_POSTGRES_DIR="$(mktemp -d /tmp/ehr-postgres.XXXXXX)"
	local port
	port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
	local run=()
	if [ "$(id -u)" -eq 0 ]; then
		chown postgres "$EHR_POSTGRES_DIR"
		run=(runuser -u postgres --)
	fi
	"${run[@]}" "$bin/initdb" -D "$EHR_POSTGRES_DIR/data" -U postgres -A trust >/dev/null
	"${run[@]}" "$bin/pg_ctl" -D "$EHR_POSTGRES_DIR/data" -l "$EHR_POSTGRES_DIR/log" -w \
		-o "-p $port -k $EHR_POSTGRES_DIR -c listen_addresses=127.0.0.1" start >/dev/null
	"${run[@]}" "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres ehr_custodian
	export EHR_POSTGRES_DIR EHR_POSTGRES_BIN="$bin"
	export EHR_TEST_POSTGRES="postgres://postgres@127.0.0.1:$port/ehr_custodian"
}

postgres_stop() {
	[ -n "${EHR_POSTGRES_DIR:-}" ] || return 0
	local run=()
	[ "$(id -u)" -eq 0 ] && run=(runuser -u postgres --)
	"${run[@]}" "$EHR_POSTGRES_BIN/pg_ctl" -D "$EHR_POSTGRES_DIR/data" -m fast stop >/dev/null 2>&1 || true
	rm -rf "$EHR_POSTGRES_DIR"
	unset EHR_POSTGRES_DIR EHR_TEST_POSTGRES
}

postgres_start
