#!/usr/bin/env bash
# Build the kompress training corpus from Debian packages and real command output.
#
#   tools/train/corpus/build_corpus.sh [WORK_DIR]
#
# WORK_DIR defaults to $KOMPRESS_CORPUS_DIR or ~/.cache/kompress/corpus (never inside git).
# Steps: (1) apt: enable deb-src if missing, install the documentation/test packages,
# (2) apt-get source of a few small packages, (3) make_corpus.py runs the real commands
# (builds, tests, git, find/grep/ls, JSON tools) and writes
#   WORK_DIR/corpus/{train,valid,test}.jsonl  and  WORK_DIR/manifest.json.
# Environment: KOMPRESS_CORPUS_SKIP_APT=1 skips step 1 (packages already there; no root).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
WORK="${1:-${KOMPRESS_CORPUS_DIR:-$HOME/.cache/kompress/corpus}}"
mkdir -p "$WORK/raw" "$WORK/src"
WORK="$(cd "$WORK" && pwd)"
export LC_ALL=C.UTF-8 TZ=UTC DEBIAN_FRONTEND=noninteractive
NICE="nice -n 10"

# Binary packages whose files are read (documentation, headers, stdlib, tests, JSON data).
PKGS="linux-doc-6.1 python3.11-doc libpython3.11-testsuite python3-pytest iso-codes
      manpages manpages-dev dpkg-dev build-essential git man-db jq"
# Source packages fetched with apt-get source (small C packages; Python code comes from the stdlib).
SRC_PKGS="hello lua5.3 lua5.4 zlib jq"

if [ "${KOMPRESS_CORPUS_SKIP_APT:-0}" != 1 ]; then
  # deb-src: Debian 12 containers ship /etc/apt/sources.list.d/debian.sources with
  # "Types: deb" only. Add a deb-src twin of every deb822 stanza (or of each deb line).
  if ! grep -Rqs -E '^(deb-src|Types:.*deb-src)' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    out=/etc/apt/sources.list.d/kompress-deb-src.sources
    if [ -f /etc/apt/sources.list.d/debian.sources ]; then
      sed -E 's/^Types:.*/Types: deb-src/' /etc/apt/sources.list.d/debian.sources > "$out"
    else
      grep -hE '^deb ' /etc/apt/sources.list 2>/dev/null | sed 's/^deb /deb-src /' \
        > /etc/apt/sources.list.d/kompress-deb-src.list
    fi
    echo "enabled deb-src sources"
  fi
  $NICE apt-get update -q 2>&1 | tee "$WORK/raw/apt-update.log"
  # shellcheck disable=SC2086
  $NICE apt-get install -y --no-install-recommends $PKGS 2>&1 | tee "$WORK/raw/apt-install.log"
fi

# Sources: one directory per package, fetched once (apt-get source verifies signatures).
cd "$WORK/src"
for p in $SRC_PKGS; do
  if ! ls -d "$p"/*/ >/dev/null 2>&1; then
    rm -rf "$p" && mkdir -p "$p"
    # The plain name picks the newest version (maybe bookworm-security); fall back to the
    # bookworm release when that one cannot be fetched. A package that fails is skipped.
    (cd "$p" && { $NICE apt-get source -q "$p" 2>&1 || $NICE apt-get source -q "$p/bookworm" 2>&1 \
       || echo "WARNING: apt-get source $p failed, skipped"; }) | tee "$WORK/raw/apt-source-$p.log"
  fi
done

cd "$HERE"
$NICE /usr/bin/python3 "$HERE/make_corpus.py" --work "$WORK" --packages $PKGS
