#!/usr/bin/env bash
# Regenerates the sandbox media host's demo pictures (committed; nothing at run time needs ffmpeg).
# Photos TikTok takes (JPEG, WebP, at most 1080p) and ones it refuses (PNG; 2000x2000 is over 1080p).
set -euo pipefail
cd "$(dirname "$0")"
FF=(ffmpeg -nostdin -hide_banner -loglevel error -y)
EXACT=(-fflags +bitexact -flags:v +bitexact -map_metadata -1 -threads 1)
one() { "${FF[@]}" -f lavfi -i "color=c=$1:s=$2:r=1:d=1" -frames:v 1 "${@:4}" "${EXACT[@]}" "$3"; }
one 0xd6153e 1080x1920 photo_1080x1920.jpg -q:v 10
one 0x2266aa 720x720 photo_720x720.jpg -q:v 10
one 0x22aa66 1080x1080 photo_1080x1080.webp -c:v libwebp -quality 30
one 0xcccc22 640x640 photo_640x640.png -c:v png
one 0x884488 2000x2000 photo_2000x2000.jpg -q:v 20
cp ../../../tests/media/h264_720x1280_30fps.mp4 clip_720x1280.mp4
cp ../../../tests/media/h264_200x200_10fps.mp4 clip_200x200.mp4  # under 360 px: refused
ls -l
