#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages certportal needs, when they are missing and we are allowed to
# (root, or password-less sudo). Otherwise it prints the apt command and carries on.
#   system-deps.sh runtime   what the portal itself needs (`make run`)
#   system-deps.sh [dev]     that, and what the test suite, the browser tests and the benchmarks need (`make test`)
#   system-deps.sh venv      only python3-venv, when this Python lacks ensurepip (before `python3 -m venv`)
# Each also installs python3-venv when ensurepip is missing.
# runtime: pango + HarfBuzz subsetting: WeasyPrint PDFs (without libharfbuzz-subset0 a Chinese page takes ~10 s,
#   not ~0.1 s); WenQuanYi Micro Hei: the PDFs' Chinese font; gettext: translations; shared-mime-info: file types.
# dev: chromium: browser tests, and libatomic1, which Playwright's driver (node) needs and a bare Debian lacks;
#   Noto CJK: the second Chinese font (Chromium's pages, PDF fallback); poppler-utils: PDF → PNG; wrk: bench_load.
#   softhsm2: a software PKCS#11 token for the hardware-module signing test; libnss3-tools: certutil, for an NSS
#   database that makes pdfsig trust the signing tests' loopback CA (and so check revocation).
# SKIP_BROWSER_DEPS=1 leaves chromium and libatomic1 out. Verified on a bare Debian bookworm root (debootstrap
# minbase + python3, git, make): README "Set-up on a bare machine".
set -u
WANT="libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-wqy-microhei gettext shared-mime-info"
case "${1:-dev}" in
  venv) WANT="" ;;
  runtime) ;;
  *)
    WANT="$WANT fonts-noto-cjk poppler-utils wrk softhsm2 libnss3-tools"
    [ "${SKIP_BROWSER_DEPS:-}" = "1" ] || WANT="$WANT chromium libatomic1"
    ;;
esac
python_bin="${PYTHON:-python3}"
"$python_bin" -c "import ensurepip, venv" 2>/dev/null || WANT="$WANT python3-venv python3.11-venv"
[ -z "$WANT" ] && exit 0

command -v dpkg-query >/dev/null 2>&1 || { echo "system-deps: not a Debian/Ubuntu system; install the equivalents of: $WANT"; exit 0; }

missing=""
for pkg in $WANT; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing="$missing $pkg"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" = "0" ]; then SUDO=""; elif sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
  echo "system-deps: missing packages:$missing"
  echo "system-deps: run: sudo apt-get install -y$missing"
  exit 0
fi
echo "system-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
# apt speaks only when it fails: its whole log then, and the packages it could not install. The package lists are
# fetched unless they were within the hour (`make setup` calls this twice: python3-venv first, then the rest).
if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -mmin -60 2>/dev/null | head -n 1)" ]; then
  $SUDO apt-get update -qq >"$log" 2>&1 || { cat "$log"; echo "system-deps: apt-get update failed (carrying on)"; }
fi
# Install what exists in this distribution's archive (e.g. python3.11-venv only exists on some releases).
installable=""
for pkg in $missing; do
  apt-cache show "$pkg" >/dev/null 2>&1 && installable="$installable $pkg"
done
if [ -n "$installable" ] && ! $SUDO apt-get install -y -qq --no-install-recommends $installable >"$log" 2>&1; then
  cat "$log"
  echo "system-deps: apt-get install failed:$installable"
fi
rm -f "$log"
exit 0
