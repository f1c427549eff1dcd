#!/usr/bin/env bash
# Install the Debian packages the tests need (LaTeX for the PDF, R for the survival
# cross-check, Chromium for the browser tests, Graphviz and its font for the diagrams).
# No-op when they are all present.
set -euo pipefail
PACKAGES=(
  texlive-xetex texlive-latex-extra texlive-lang-french latexmk texlive-fonts-recommended
  fonts-freefont-otf
  r-base-core r-cran-survival
  chromium chromium-driver
  poppler-utils
  graphviz fonts-dejavu-core
  xindy
)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "Paquets système manquants : ${missing[*]}" >&2
  echo "Installez-les avec : sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "Installation des paquets système : ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
