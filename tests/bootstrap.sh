#!/usr/bin/env bash
# Patchbay bootstrap: installs what is missing, then runs the app or every test.
#   tests/bootstrap.sh app    build the UI and run the desktop app (data in the OS app-data dir)
#   tests/bootstrap.sh test   run every test: Rust (core, keychain, CLI), UI (Vitest), end-to-end (real app)
#   tests/bootstrap.sh bench  every benchmark, beside a minimal Tauri app; prints metric | value | target | pass/fail
# Debian/Ubuntu: apt packages are installed when running as root or through sudo.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
mode=${1:-}

build_packages=(libwebkit2gtk-4.1-dev libsoup-3.0-dev libjavascriptcoregtk-4.1-dev librsvg2-dev
  libayatana-appindicator3-dev libssl-dev libdbus-1-dev pkg-config build-essential)
test_packages=(xvfb xauth dbus-x11 gnome-keyring libsecret-tools dunst webkit2gtk-driver imagemagick xdg-utils
  openssl python3 python3-venv postgresql chromium)

install_apt() {
  local missing=()
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null; then
    echo "bootstrap: install these packages with your package manager: ${missing[*]}" >&2; exit 1
  fi
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "bootstrap: installing ${missing[*]}"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
}

install_ui() {
  command -v node >/dev/null || { echo "bootstrap: Node.js 20+ is required" >&2; exit 1; }
  if [ ! -d ui/node_modules ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
    (cd ui && npm ci --no-audit --no-fund)
  fi
}

build_ui() { (cd ui && npm run build); }

# Runs "$@" on a private D-Bus session with an unlocked gnome-keyring (the Secret Service the keychain
# tests talk to) and a notification server, under a virtual X display.
with_desktop_session() {
  local keyring_home status
  keyring_home=$(mktemp -d)
  XDG_DATA_HOME=$keyring_home xvfb-run -a -s '-screen 0 1280x800x24' \
    dbus-run-session -- bash -c '
      echo -n patchbay-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null
      "$@"' bash "$@" || status=$?
  rm -rf "$keyring_home"
  return "${status:-0}"
}

case "$mode" in
  app)
    install_apt "${build_packages[@]}"
    install_ui
    build_ui
    exec cargo run --bin patchbay-app
    ;;
  test)
    install_apt "${build_packages[@]}" "${test_packages[@]}"
    install_ui
    build_ui
    cargo build --workspace --all-targets
    command -v tauri-driver >/dev/null || cargo install tauri-driver --locked
    # A Python with aiosmtpd: the real SMTP server of the SMTP health-check tests.
    if [ ! -x target/test-python/bin/python ] || ! target/test-python/bin/python -c "import aiosmtpd" 2>/dev/null; then
      python3 -m venv target/test-python
      target/test-python/bin/pip install --quiet "aiosmtpd==1.4.6"
    fi
    export PATCHBAY_TEST_PYTHON=$root/target/test-python/bin/python
    # A real n8n for the n8n tests (SPEC §7: n8n 2.8.4 on Node 20, ~6 min and 2.3 GB the first time).
    [ -x tests/n8n/node_modules/n8n/bin/n8n ] || (cd tests/n8n && npm install --no-audit --no-fund)
    echo "== formatting and lints"
    cargo fmt --all --check
    cargo clippy --workspace -- -D warnings
    echo "== dependencies: licenses, bans and sources (cargo-deny; advisories run in GitHub CI)"
    command -v cargo-deny >/dev/null || cargo install cargo-deny --locked
    # cargo-deny reads the metadata of every target's dependencies (Windows and Android ones too):
    # fetch them first, or a fresh machine that has only built for Linux fails offline.
    cargo fetch --locked --quiet
    cargo deny --offline check licenses bans sources
    echo "== generated TypeScript types are up to date"
    cargo test -p patchbay-core -p patchbay-app --lib -q export_bindings >/dev/null
    if [ -d .git ] && [ -n "$(git status --porcelain -- ui/src/bindings)" ]; then
      git status --short -- ui/src/bindings
      echo "bootstrap: ui/src/bindings is stale; commit the regenerated files" >&2; exit 1
    fi
    echo "== UI unit tests (Vitest)"
    (cd ui && npm run typecheck && npm test)
    echo "== UI flow tests (built UI in Chromium, IPC mocked)"
    node --test tests/ui-flows/
    echo "== Rust tests (core, real keychain, CLI) and the end-to-end test of the real app"
    with_desktop_session bash -c 'cargo test --workspace && node --test --test-concurrency=1 tests/e2e/'
    ;;
  screenshots)
    install_apt "${build_packages[@]}" "${test_packages[@]}"
    install_ui
    build_ui
    cargo build --workspace --bins --examples
    command -v tauri-driver >/dev/null || cargo install tauri-driver --locked
    with_desktop_session node tests/e2e/screenshots.mjs
    ;;
  ui-bench)
    install_apt "${build_packages[@]}" "${test_packages[@]}"
    install_ui
    build_ui
    cargo build --workspace
    command -v tauri-driver >/dev/null || cargo install tauri-driver --locked
    with_desktop_session node tests/bench/ui-timings.mjs
    ;;
  bench)
    # Not part of the test run: builds the release app (LTO) and the minimal Tauri app of
    # tests/bench/minimal together (one feature resolution, shared artifacts), bundles the .deb from that
    # build, runs the core benchmarks (bench profile), then the UI timings and the desktop benchmarks.
    install_apt "${build_packages[@]}" "${test_packages[@]}"
    install_ui
    build_ui
    cargo build --release -p patchbay-app -p patchbay-minimal
    cargo build --bin patchbay
    command -v tauri-driver >/dev/null || cargo install tauri-driver --locked
    npx --yes @tauri-apps/cli@2 bundle --bundles deb || echo "bootstrap: .deb bundling failed; its size is reported as not built" >&2
    results=$(mktemp)
    for bench in check_all template_render crm_sync page_query; do
      cargo bench -p patchbay-core --bench "$bench" | tee -a "$results"
    done
    # The debug CLI seeds the benchmark databases (the release build has only the two apps).
    with_desktop_session bash -c "export PATCHBAY_CLI=$root/target/debug/patchbay; PATCHBAY_BUILD_DIR=$root/target/release node tests/bench/ui-timings.mjs && node tests/bench/desktop.mjs" | tee -a "$results"
    echo
    echo "| metric | value | target | result |"
    echo "|---|---|---|---|"
    grep -E '^\| .*\| (pass|FAIL|—) \|$' "$results" || true
    rm -f "$results"
    ;;
  *)
    echo "usage: tests/bootstrap.sh app|test|screenshots|ui-bench|bench" >&2; exit 2 ;;
esac
