#!/usr/bin/env bash
# Install the Debian packages the tests need (LaTeX for the PDF, R for the survival
# cross-check, Chromium for the browser tests, Graphviz and its font for the diagrams,
# Node.js/npm for axe-core, the French word list of the reader checks). No-op when they are
# all present.
set -euo pipefail
PACKAGES=(
  texlive-xetex texlive-latex-extra texlive-lang-french latexmk texlive-fonts-recommended
  fonts-freefont-otf
  r-base-core r-cran-survival
  chromium chromium-driver
  poppler-utils
  graphviz fonts-dejavu-core
  xindy
  wfrench
)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js and npm install the browser tests' axe-core (npm ci); Debian's only when absent
# (a Node.js installed otherwise is kept).
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
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
