#!/usr/bin/env bash
# Installs everything the app and the tests need on a fresh Debian machine (run as root or with sudo).
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
DEBIAN_PACKAGES=(
  latexmk texlive-latex-base texlive-latex-recommended texlive-latex-extra texlive-fonts-recommended
  texlive-science lmodern latex-cjk-common latex-cjk-chinese-arphic-gbsn00lp poppler-utils
  libreoffice-writer-nogui libreoffice-math chromium fonts-noto-cjk fonts-liberation2
  texlive-xetex texlive-lang-chinese fonts-lmodern biber texlive-bibtex-extra texlive-publishers
)
missing=()
for p in "${DEBIAN_PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
python3 -m pip install -q -r requirements-dev.txt
