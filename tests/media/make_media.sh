#!/usr/bin/env bash
# Regenerate the tiny test videos in this folder (needs ffmpeg; Debian: apt-get install ffmpeg).
# Output is byte-identical when re-run with the same ffmpeg build: single-threaded encoders, bitexact
# muxing, no metadata. The files are committed, so running the tests needs no ffmpeg.
# Usage: tests/media/make_media.sh [OUTPUT_DIR]   (default: the folder of this script)
set -euo pipefail
OUT=${1:-$(cd "$(dirname "$0")" && pwd)}
mkdir -p "$OUT"
cd "$OUT"

FF=(ffmpeg -nostdin -hide_banner -loglevel error -y)
# Reproducible output: no encoder/muxer version strings, no dates, no copied metadata, one thread.
EXACT=(-fflags +bitexact -flags:v +bitexact -flags:a +bitexact -map_metadata -1 -map_chapters -1 -threads 1)
X264=(-c:v libx264 -preset ultrafast -crf 45 -pix_fmt yuv420p)

color() { # color NAME WxH FPS SECONDS -> lavfi input arguments
  echo "color=c=$1:s=$2:r=$3:d=$4"
}
tone() { # tone SECONDS -> lavfi input arguments for a quiet sine wave
  echo "sine=frequency=440:sample_rate=44100:duration=$1"
}

# 1. The reference good file: H.264 + AAC in MP4, 720x1280 (9:16), 30 fps, 1 s, index at the front.
"${FF[@]}" -f lavfi -i "$(color 0x2266cc 720x1280 30 1)" -f lavfi -i "$(tone 1)" \
  "${X264[@]}" -c:a aac -b:a 24k -ac 1 "${EXACT[@]}" -movflags +faststart -shortest h264_720x1280_30fps.mp4

# 2. HEVC (H.265) in MP4, tagged hvc1 as Apple devices write it.
"${FF[@]}" -f lavfi -i "$(color 0x22aa66 720x1280 30 1)" \
  -c:v libx265 -preset ultrafast -crf 45 -pix_fmt yuv420p -tag:v hvc1 \
  -x265-params log-level=error:info=0:pools=none:frame-threads=1 "${EXACT[@]}" -movflags +faststart \
  hevc_720x1280_30fps.mp4

# 3. VP9 + Opus in WebM, and VP8 in WebM.
"${FF[@]}" -f lavfi -i "$(color 0xcc6622 720x1280 30 1)" -f lavfi -i "$(tone 1)" \
  -c:v libvpx-vp9 -crf 50 -b:v 0 -deadline good -cpu-used 8 -row-mt 0 -c:a libopus -b:a 16k -ac 1 \
  "${EXACT[@]}" -shortest vp9_720x1280_30fps.webm
"${FF[@]}" -f lavfi -i "$(color 0xcc2266 720x1280 30 1)" \
  -c:v libvpx -crf 50 -b:v 100k -deadline good -cpu-used 8 "${EXACT[@]}" vp8_720x1280_30fps.webm

# 4. H.264 in a QuickTime .mov (general format "MPEG-4", profile QuickTime).
"${FF[@]}" -f lavfi -i "$(color 0x6622cc 720x1280 30 1)" -f lavfi -i "$(tone 1)" \
  "${X264[@]}" -c:a aac -b:a 24k -ac 1 "${EXACT[@]}" -f mov -shortest h264_720x1280_30fps.mov

# 5. Broken limits: 10 fps; 200x200 at 10 fps (two blocking problems); 5000x5000 (too large a side).
"${FF[@]}" -f lavfi -i "$(color 0x888888 720x1280 10 1)" "${X264[@]}" "${EXACT[@]}" h264_720x1280_10fps.mp4
"${FF[@]}" -f lavfi -i "$(color 0x448844 200x200 10 1)" "${X264[@]}" "${EXACT[@]}" h264_200x200_10fps.mp4
"${FF[@]}" -f lavfi -i "$(color 0x884444 5000x5000 30 0.1)" "${X264[@]}" -preset medium -crf 51 "${EXACT[@]}" \
  h264_5000x5000_30fps.mp4

# 6. Rotation: stored landscape 1280x720 with a display matrix turning it a quarter turn, shown as a
#    720x1280 portrait (what phones write; MediaInfo says Rotation 90, ffprobe says -90). ffmpeg 5.1 writes
#    the matrix from the "rotate" tag only when stream-copying, hence the second pass.
"${FF[@]}" -f lavfi -i "$(color 0x228888 1280x720 30 1)" "${X264[@]}" "${EXACT[@]}" rot_tmp.mp4
"${FF[@]}" -i rot_tmp.mp4 -c copy "${EXACT[@]}" -metadata:s:v:0 rotate=270 h264_1280x720_rot90.mp4
rm -f rot_tmp.mp4

# 7. A plain landscape 1280x720 (accepted, with a "not 9:16" note).
"${FF[@]}" -f lavfi -i "$(color 0x882288 1280x720 30 1)" "${X264[@]}" "${EXACT[@]}" h264_1280x720_landscape.mp4

# 8. Twelve minutes at 24 fps, 360x640, black. An MP4 spends at least ~13 bytes per frame (4 in the
#    sample-size table, 4 of NAL length, ~5 of skipped-slice data), so 17,280 frames cannot fit in 100 KB:
#    CAVLC (ultrafast), no B-frames and one keyframe give the smallest file (~260 KB).
"${FF[@]}" -f lavfi -i "$(color black 360x640 24 720)" -c:v libx264 -preset ultrafast -crf 51 -bf 0 \
  -x264-params keyint=infinite:scenecut=0 -pix_fmt yuv420p "${EXACT[@]}" -movflags +faststart \
  h264_360x640_24fps_12min.mp4

# 9. Variable frame rate: the first second at 60 fps, the second at 30 fps (90 frames in 2 s: 45 fps average).
"${FF[@]}" -f lavfi -i "$(color 0x448888 720x1280 60 2)" -vf "select='lt(n\,60)+not(mod(n\,2))'" \
  -fps_mode vfr -video_track_timescale 600 "${X264[@]}" "${EXACT[@]}" h264_720x1280_vfr.mp4

# 10. Audio only (AAC in an MPEG-4 .m4a).
"${FF[@]}" -f lavfi -i "$(tone 1)" -c:a aac -b:a 24k -ac 1 "${EXACT[@]}" audio_only.m4a

# 11. Not videos at all: a PNG and a text file, each renamed .mp4.
"${FF[@]}" -f lavfi -i "$(color 0xcccc22 64x64 1 1)" -frames:v 1 -f image2 -c:v png "${EXACT[@]}" png_renamed.mp4
printf 'This is a text file, not a video.\n' >text_renamed.mp4

# 12. A truncated MP4: the faststart reference file cut in half. Its index (at the front) still says
#     1 s / 30 fps, so only MediaInfo's IsTruncated flag reveals the missing half.
size=$(wc -c <h264_720x1280_30fps.mp4)
head -c $((size / 2)) h264_720x1280_30fps.mp4 >h264_truncated.mp4

# 13. Frames that differ (testsrc2: moving pattern and a counter), one keyframe in 2 s, no B-frames: a decode
#     "to the nearest keyframe" shows frame 0, an exact decode the frame at the asked millisecond.
"${FF[@]}" -f lavfi -i "testsrc2=s=360x640:r=30:d=2" "${X264[@]}" -g 60 -bf 0 "${EXACT[@]}" -movflags +faststart \
  h264_360x640_30fps_counter.mp4

# 14. 10-bit HDR: HEVC Main 10 tagged BT.2020 / PQ (SMPTE ST 2084), as phones record HDR.
"${FF[@]}" -f lavfi -i "$(color 0x2266cc 720x1280 30 1)" \
  -c:v libx265 -preset ultrafast -crf 45 -pix_fmt yuv420p10le -color_primaries bt2020 -color_trc smpte2084 \
  -colorspace bt2020nc -tag:v hvc1 -x265-params log-level=error:info=0:pools=none:frame-threads=1 "${EXACT[@]}" \
  -movflags +faststart hevc_720x1280_10bit_hdr.mp4

ls -l "$OUT"
