//! A full disk and a read-only data folder, for real: the CLI runs inside a private mount namespace
//! (`unshare -Urm`, no root needed) on a small tmpfs that is filled up, or remounted read-only. Each
//! failing write ends with a clear message and exit status 2; nothing committed is lost, nothing is
//! half-written, `PRAGMA integrity_check` stays `ok`, and writing works again once there is room.
#![cfg(target_os = "linux")]

use std::collections::BTreeMap;
use std::process::Command;

/// Runs `script` under bash in a new user and mount namespace; returns its `key=value` lines.
fn in_namespace(script: &str) -> BTreeMap<String, String> {
    let output = Command::new("unshare")
        .args(["-Urm", "bash", "-c", script])
        .env("PATCHBAY", env!("CARGO_BIN_EXE_patchbay"))
        .env_remove("PATCHBAY_DATA_DIR")
        .output()
        .expect("unshare (util-linux) must be installed");
    assert!(
        output.status.success(),
        "namespace script failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

const HELPERS: &str = r#"
set -u
count() { "$PATCHBAY" --data-dir "$1" --json integration list --per-page 10 | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])'; }
integrity() { python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('pragma integrity_check').fetchone()[0])" "$1/patchbay.sqlite3"; }
add() { "$PATCHBAY" --data-dir "$1" integration add --provider http --name "$2" --set "url=https://example.com/$2" 2>&1; }
"#;

#[test]
fn a_full_disk_refuses_writes_clearly_and_loses_nothing() {
    let result = in_namespace(&format!(
        r#"{HELPERS}
d=$(mktemp -d); mount -t tmpfs -o size=640k tmpfs "$d"
"$PATCHBAY" --data-dir "$d/data" project list >/dev/null
# Leave about 160 KB free: the first add needs ≈ 110 KB of WAL.
dd if=/dev/zero of="$d/filler" bs=4k count=62 status=none
added=0; failure=""; status=0
for i in $(seq 1 400); do
  if out=$(add "$d/data" "n$i"); then added=$((added+1)); else status=$?; failure=$(echo "$out" | tr '\n' ' '); break; fi
done
echo "added=$added"; echo "status=$status"; echo "failure=$failure"
echo "listed=$(count "$d/data")"; echo "integrity=$(integrity "$d/data")"
rm -f "$d/filler"
if add "$d/data" again >/dev/null; then echo "after=ok"; else echo "after=fail"; fi
echo "final=$(count "$d/data")"
"#
    ));
    let added: i64 = result["added"].parse().unwrap();
    assert!(
        added >= 1,
        "the disk was full before the first write: {result:?}"
    );
    println!(
        "disk full after {added} integrations: {}",
        result["failure"]
    );
    assert_eq!(result["status"], "2", "{result:?}");
    assert!(
        result["failure"].contains("disk holding the database is full"),
        "{result:?}"
    );
    assert_eq!(
        result["listed"].parse::<i64>().unwrap(),
        added,
        "a write was lost or half-written: {result:?}"
    );
    assert_eq!(result["integrity"], "ok");
    assert_eq!(
        result["after"], "ok",
        "writing does not work again after space was freed: {result:?}"
    );
    assert_eq!(result["final"].parse::<i64>().unwrap(), added + 1);
}

#[test]
fn a_read_only_data_folder_refuses_writes_clearly_and_keeps_the_data() {
    let result = in_namespace(&format!(
        r#"{HELPERS}
d=$(mktemp -d); mount -t tmpfs -o size=8m tmpfs "$d"
add "$d/data" before >/dev/null
mount -o remount,ro "$d"
out=$(add "$d/data" during); echo "status=$?"; echo "failure=$(echo "$out" | tr '\n' ' ')"
mount -o remount,rw "$d"
echo "listed=$(count "$d/data")"; echo "integrity=$(integrity "$d/data")"
if add "$d/data" after >/dev/null; then echo "after=ok"; else echo "after=fail"; fi
"#
    ));
    assert_eq!(result["status"], "2", "{result:?}");
    let failure = &result["failure"];
    assert!(failure.contains("read-only"), "unclear message: {failure}");
    assert_eq!(result["listed"], "1", "{result:?}");
    assert_eq!(result["integrity"], "ok");
    assert_eq!(result["after"], "ok");
}
