#!/usr/bin/env bash
# Install the Debian packages Storyloom needs, if any is missing:
# ffmpeg (audio decoding and clips), espeak-ng + sox (test and benchmark audio),
# chromium (browser tests), nodejs (the present-mode service worker's test), poppler-utils (looking at PDF packs),
# DejaVu fonts (PDFs), postgresql-client (pg_dump / pg_restore for backups),
# pocketsphinx-testdata (recorded LibriVox speech with transcripts, for the speech benchmarks).
set -euo pipefail
need=()
command -v ffmpeg >/dev/null || need+=(ffmpeg)
command -v espeak-ng >/dev/null || need+=(espeak-ng)
command -v sox >/dev/null || need+=(sox)
command -v chromium >/dev/null || need+=(chromium)
command -v pdftoppm >/dev/null || need+=(poppler-utils)
command -v pg_dump >/dev/null || need+=(postgresql-client)  # backup create/restore on PostgreSQL
command -v node >/dev/null || need+=(nodejs)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
[ -d /usr/share/pocketsphinx/test/data/librivox ] || need+=(pocketsphinx-testdata)  # real speech for bench/speakers.py, bench/transcribe.py
[ ${#need[@]} -eq 0 ] && exit 0
echo "installing system packages: ${need[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
