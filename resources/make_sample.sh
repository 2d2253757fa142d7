#!/usr/bin/env bash
# Remake resources/sample.mp4, the tiny video the smoke test inspects and posts: H.264 720x1280, 30 fps, 3.5 s,
# ~7 KB, byte-identical on every run (needs ffmpeg; the file is committed, so builds do not).
set -euo pipefail
cd "$(dirname "$0")"
ffmpeg -y -hide_banner -loglevel error -f lavfi -i "color=c=0x19c6d8:s=720x1280:r=30:d=3.5" \
  -c:v libx264 -preset veryslow -crf 40 -pix_fmt yuv420p -x264-params threads=1 -g 120 \
  -movflags +faststart -fflags +bitexact -flags:v +bitexact -map_metadata -1 sample.mp4
