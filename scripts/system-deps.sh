#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages certportal needs, when they are missing and we are allowed to
# (root, or password-less sudo). Otherwise it prints the apt command and carries on.
#   pango + HarfBuzz subsetting: WeasyPrint PDFs (without libharfbuzz-subset0 a Chinese page takes ~10 s, not ~0.1 s)
#   CJK fonts: Chinese text in PDFs;  gettext: translations;  chromium: browser tests;  poppler-utils: PDF → PNG
#   wrk: the load benchmark (bench/bench_load.py)
set -u
WANT="libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk fonts-wqy-microhei gettext poppler-utils shared-mime-info wrk"
[ "${SKIP_BROWSER_DEPS:-}" = "1" ] || WANT="$WANT chromium"
python_bin="${PYTHON:-python3}"
"$python_bin" -c "import ensurepip, venv" 2>/dev/null || WANT="$WANT python3-venv python3.11-venv"

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
$SUDO apt-get update -qq || true
# Install what exists in this distribution's archive (e.g. python3.11-venv only exists on some releases).
installable=""
for pkg in $missing; do
  apt-cache show "$pkg" >/dev/null 2>&1 && installable="$installable $pkg"
done
[ -n "$installable" ] && $SUDO apt-get install -y -qq --no-install-recommends $installable
exit 0
