#!/usr/bin/env bash
# Build the app: PyInstaller one-folder build into dist/clipship, then (Linux) a .tar.gz and a .deb in dist/.
#   bash tests/build_app.sh            build + package
#   bash tests/build_app.sh --smoke    also run the frozen binary's --smoke-test (without and with a Secret Service)
#   bash tests/build_app.sh --no-package --smoke   what a quick check needs
# Creates .venv (with the `build` extra) if needed; CLIPSHIP_BUILD_PYTHON=/path/to/python uses that interpreter
# as is instead. Everything it writes stays in build/ and dist/ (gitignored).
set -euo pipefail
cd "$(dirname "$0")/.."
SMOKE=0
PACKAGE=1
for arg in "$@"; do
  case "$arg" in
    --smoke) SMOKE=1 ;;
    --no-package) PACKAGE=0 ;;
    *) echo "usage: bash tests/build_app.sh [--smoke] [--no-package]" >&2; exit 2 ;;
  esac
done
if [ -n "${CLIPSHIP_BUILD_PYTHON:-}" ]; then
  PYBIN=$CLIPSHIP_BUILD_PYTHON
else
  if [ ! -x .venv/bin/python ]; then
    "${PYTHON:-python3}" -m venv .venv
  fi
  .venv/bin/python -m pip install -q --disable-pip-version-check -e '.[build]'
  PYBIN=.venv/bin/python
fi
export PYINSTALLER_CONFIG_DIR="$PWD/build/pyinstaller-config"  # PyInstaller's cache: inside the checkout
VERSION=$("$PYBIN" -c 'import core; print(core.__version__)')
APP=dist/clipship

t0=$(date +%s%N)
# CLIPSHIP_DIST_CLIENT_KEY/SECRET, when set, build a distributor's TikTok app in (build.spec, core/distribution.py).
mkdir -p build
"$PYBIN" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath dist --workpath build/pyinstaller build.spec 2>&1 \
  | { grep -v -e 'Ignoring icon' -e 'required via ctypes not found' || true; } | tee build/pyinstaller.log
t1=$(date +%s%N)
no_secret_in() {  # fails when the distribution secret shows in the file (compared without putting it on a command line)
  if [ -n "${CLIPSHIP_DIST_CLIENT_SECRET:-}" ] && grep -qF -f <(printf '%s\n' "$CLIPSHIP_DIST_CLIENT_SECRET") "$1"; then
    echo "the distribution client secret appears in $1" >&2
    exit 1
  fi
}
no_secret_in build/pyinstaller.log
printf 'built %s in %d.%d s: %s\n' "$APP" $(((t1 - t0) / 1000000000)) $(((t1 - t0) / 100000000 % 10)) \
  "$(du -sh "$APP" | cut -f1)"

if [ "$(uname -s)" = Linux ] && [ "$PACKAGE" = 1 ]; then
  ARCH=$(uname -m)
  TARBALL="dist/clipship-$VERSION-linux-$ARCH.tar.gz"
  tar -C dist --sort=name --owner=0 --group=0 --numeric-owner --transform "s,^clipship,clipship-$VERSION," \
    -cf - clipship | gzip -n -6 > "$TARBALL"
  printf 'packed %s: %s\n' "$TARBALL" "$(du -h "$TARBALL" | cut -f1)"
  if command -v dpkg-deb >/dev/null; then
    DEBARCH=$(dpkg --print-architecture)
    ROOT=build/deb/clipship
    rm -rf build/deb
    mkdir -p "$ROOT/DEBIAN" "$ROOT/opt" "$ROOT/usr/bin" "$ROOT/usr/share/applications" "$ROOT/usr/share"
    cp -a "$APP" "$ROOT/opt/clipship"
    rm -rf "$ROOT/opt/clipship/icons" "$ROOT/opt/clipship/INSTALL.txt" "$ROOT"/opt/clipship/*.desktop
    cp -a "$APP/icons" "$ROOT/usr/share/icons"
    cp "$APP"/*.desktop "$ROOT/usr/share/applications/"
    ln -s /opt/clipship/clipship "$ROOT/usr/bin/clipship"
    ln -s /opt/clipship/clipship-cli "$ROOT/usr/bin/clipship-cli"
    cat > "$ROOT/DEBIAN/control" <<EOF
Package: clipship
Version: $VERSION
Architecture: $DEBARCH
Maintainer: Clipship <support@clipship.io>
Installed-Size: $(du -sk "$ROOT" | cut -f1)
Depends: libc6 (>= 2.34), libegl1, libgl1, libfontconfig1, libxkbcommon0, libdbus-1-3, libxkbcommon-x11-0, libx11-xcb1, libxcb-cursor0, libxcb-icccm4, libxcb-keysyms1, libxcb-image0, libxcb-render-util0, libxcb-shape0, libxcb-randr0, libxcb-xkb1
Recommends: gnome-keyring | kwalletmanager
Section: video
Priority: optional
Homepage: https://clipship.io
Description: Post videos to TikTok through the official Content Posting API
 Drop a video on the window, see at once whether TikTok will accept it, choose
 the post settings TikTok requires and watch the chunked upload to the end.
 Also a command line (clipship-cli) for automated posting.
EOF
    DEB="dist/clipship_${VERSION}_${DEBARCH}.deb"
    dpkg-deb --root-owner-group -Zgzip -z6 --build "$ROOT" "$DEB" >/dev/null
    printf 'packed %s: %s\n' "$DEB" "$(du -h "$DEB" | cut -f1)"
  fi
fi

if [ "$SMOKE" = 1 ]; then
  EXE="$APP/clipship"
  [ -x "$EXE" ] || EXE="$APP/clipship.exe"
  SMOKE_HOME=$(mktemp -d)
  trap 'rm -rf "$SMOKE_HOME"' EXIT
  mkdir -p "$SMOKE_HOME/data" "$SMOKE_HOME/runtime" "$SMOKE_HOME/kr-data" "$SMOKE_HOME/kr-runtime"
  chmod 700 "$SMOKE_HOME/runtime" "$SMOKE_HOME/kr-runtime"
  "$APP/clipship-cli" --version
  mkdir -p "$SMOKE_HOME/empty-path"
  echo "frozen smoke test, no D-Bus session (expects keyring's fail backend), no ffmpeg (an empty PATH):"
  env -u DBUS_SESSION_BUS_ADDRESS CLIPSHIP_DATA_DIR="$SMOKE_HOME/data" XDG_RUNTIME_DIR="$SMOKE_HOME/runtime" \
    PATH="$SMOKE_HOME/empty-path" CLIPSHIP_SMOKE_KEYRING=fail.Keyring "$EXE" --smoke-test
  # What PyAV (FFmpeg's libraries) adds to the folder.
  printf 'decoder/encoder (PyAV + FFmpeg libraries) in the folder: %s\n' \
    "$(du -shc "$APP"/_internal/av "$APP"/_internal/av.libs 2>/dev/null | tail -1 | cut -f1)"
  # Start-up time: process start to the main window shown (offscreen), the way a user starts it.
  t0=$(date +%s%N)
  env -u DBUS_SESSION_BUS_ADDRESS QT_QPA_PLATFORM=offscreen CLIPSHIP_EXIT_AFTER_SHOW=1 \
    CLIPSHIP_DATA_DIR="$SMOKE_HOME/data" XDG_RUNTIME_DIR="$SMOKE_HOME/runtime" "$EXE" >/dev/null
  t1=$(date +%s%N)
  printf 'frozen app: process start to main window shown (offscreen): %d ms\n' $(((t1 - t0) / 1000000))
  # The same on a real X server (Xvfb, Qt's xcb plugin): the frozen app's own libraries must be enough.
  if command -v Xvfb >/dev/null; then
    : > "$SMOKE_HOME/xdisplay"
    Xvfb -displayfd 3 -screen 0 1024x700x24 -nolisten tcp 3>"$SMOKE_HOME/xdisplay" 2>/dev/null &
    xvfb_pid=$!
    for _ in $(seq 50); do [ -s "$SMOKE_HOME/xdisplay" ] && break; sleep 0.1; done
    xdisplay=$(tr -d '[:space:]' < "$SMOKE_HOME/xdisplay")
    shown=$(env -u DBUS_SESSION_BUS_ADDRESS -u QT_QPA_PLATFORM DISPLAY=":$xdisplay" QT_QPA_PLATFORM=xcb \
      CLIPSHIP_EXIT_AFTER_SHOW=1 CLIPSHIP_DATA_DIR="$SMOKE_HOME/data" XDG_RUNTIME_DIR="$SMOKE_HOME/runtime" \
      "$EXE" 2>&1) || { kill "$xvfb_pid" 2>/dev/null; echo "the frozen app did not start on Xvfb: $shown"; exit 1; }
    kill "$xvfb_pid" 2>/dev/null || true
    echo "$shown" | grep -q "window shown" || { echo "no window on Xvfb: $shown"; exit 1; }
    echo "frozen app: the main window opens on a real X server (Xvfb, xcb)"
  else
    echo "frozen app: Xvfb not installed, the xcb start was not tried"
  fi
  # "Open with Clipship": the video given on the command line is loaded into the window.
  opened=$(env -u DBUS_SESSION_BUS_ADDRESS QT_QPA_PLATFORM=offscreen CLIPSHIP_EXIT_AFTER_SHOW=1 \
    CLIPSHIP_DATA_DIR="$SMOKE_HOME/data" XDG_RUNTIME_DIR="$SMOKE_HOME/runtime" "$EXE" "$PWD/resources/sample.mp4")
  echo "$opened" | grep -q "clipship: video $PWD/resources/sample.mp4" || { echo "the video was not opened: $opened"; exit 1; }
  echo "frozen app: a video given on the command line opens in the window"
  # The console build alone prints the command line's help (argparse's usage, exit 2), not the window.
  help=$("$APP/clipship-cli" 2>&1 || true)
  echo "$help" | grep -q "usage: clipship" || { echo "clipship-cli alone did not print its help: $help"; exit 1; }
  echo "frozen app: clipship-cli alone prints its help"
  # With CLIPSHIP_DIST_CLIENT_KEY/SECRET at build time, a fresh user needs no settings: the built-in app is used.
  env -u CLIPSHIP_CLIENT_KEY -u CLIPSHIP_CLIENT_SECRET -u DBUS_SESSION_BUS_ADDRESS CLIPSHIP_DATA_DIR="$SMOKE_HOME/data" \
    XDG_RUNTIME_DIR="$SMOKE_HOME/runtime" "$APP/clipship-cli" config show --json > "$SMOKE_HOME/config.json"
  no_secret_in "$SMOKE_HOME/config.json"
  if [ -n "${CLIPSHIP_DIST_CLIENT_KEY:-}" ]; then
    grep -q '"client_key_source": "built in"' "$SMOKE_HOME/config.json" || { cat "$SMOKE_HOME/config.json"; exit 1; }
    echo "frozen app: a distributor's TikTok app is built in (no settings needed; its secret is not printed)"
  else
    echo "frozen app: no built-in TikTok app (set CLIPSHIP_DIST_CLIENT_KEY/SECRET when building to add one)"
  fi
  if command -v dbus-run-session >/dev/null && command -v gnome-keyring-daemon >/dev/null; then
    echo "frozen smoke test, gnome-keyring in a private D-Bus session (expects the Secret Service backend):"
    env -u DBUS_SESSION_BUS_ADDRESS CLIPSHIP_DATA_DIR="$SMOKE_HOME/data" XDG_DATA_HOME="$SMOKE_HOME/kr-data" \
      XDG_RUNTIME_DIR="$SMOKE_HOME/kr-runtime" CLIPSHIP_SMOKE_KEYRING=SecretService EXE="$EXE" \
      dbus-run-session -- sh -c \
      'printf clipship-smoke | gnome-keyring-daemon --unlock --components=secrets >/dev/null; exec "$EXE" --smoke-test'
  fi
fi
