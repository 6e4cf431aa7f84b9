#!/usr/bin/env bash
# Builds the body-language test clip from a real photograph of a person into .lectern/fixtures/
# (idempotent): NASA's portrait of astronaut Eileen Collins (public domain), shipped by Debian's
# python3-skimage as skimage/data/astronaut.png (512×512).
#
#   pose-astronaut-WxH.y4m   raw YUV 4:2:0 at 15 fps (Chromium's fake camera input; it loops it)
#   pose-astronaut-WxH.json  ground truth: segment timing and what each segment does
#
# The photo is scaled to the frame height and placed on a plain grey background:
#   still     0–6 s    centred, not moving
#   sway      6–12 s   moves left/right: x offset = A·sin(2π·t/P), A = 15 % of the frame width, P = 2 s
#   rot-ccw   12–17 s  centred, rotated 12° counter-clockwise (as seen in the image)
#   rot-cw    17–22 s  centred, rotated 12° clockwise
#   blank     22–26 s  background only (no person)
#
# Usage: bash scripts/pose-fixtures.sh [WxH ...]   (default 320x240; the pose benchmark uses 640x480)
# Needs: ffmpeg, python3-skimage (both installed by scripts/setup.sh's Debian packages).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/.lectern/fixtures"
photo=${LECTERN_POSE_PHOTO:-/usr/lib/python3/dist-packages/skimage/data/astronaut.png}
version=v1
fps=15
sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(320x240)

if [ ! -f "$photo" ]; then
  echo "pose-fixtures: $photo is missing — install it with: apt-get install python3-skimage" >&2
  exit 1
fi
command -v ffmpeg >/dev/null || { echo "pose-fixtures: ffmpeg is missing — apt-get install ffmpeg" >&2; exit 1; }
mkdir -p "$out"

for size in "${sizes[@]}"; do
  if ! [[ $size =~ ^([0-9]+)x([0-9]+)$ ]]; then
    echo "pose-fixtures: size must look like 320x240, got '$size'" >&2
    exit 2
  fi
  w=${BASH_REMATCH[1]}; h=${BASH_REMATCH[2]}
  (( w % 2 == 0 && h % 2 == 0 && w >= h )) || { echo "pose-fixtures: WxH must be even with W ≥ H" >&2; exit 2; }
  base="$out/pose-astronaut-${w}x${h}"
  stamp="$base.$version"
  [ -f "$stamp" ] && [ -f "$base.y4m" ] && [ -f "$base.json" ] && continue

  amp=$(( w * 15 / 100 ))     # sway amplitude, px
  x0=$(( (w - h) / 2 ))       # x of the centred photo
  bg=0x7f7f7f
  # One filter graph: five segments over the same background, concatenated. overlay's `t` restarts
  # at 0 in every segment (each background source starts at 0).
  graph="[0:v]scale=${h}:${h}:flags=lanczos,format=rgba,split=4[p1][p2][p3][p4];
color=c=${bg}:s=${w}x${h}:r=${fps}:d=6[b1];
color=c=${bg}:s=${w}x${h}:r=${fps}:d=6[b2];
color=c=${bg}:s=${w}x${h}:r=${fps}:d=5[b3];
color=c=${bg}:s=${w}x${h}:r=${fps}:d=5[b4];
color=c=${bg}:s=${w}x${h}:r=${fps}:d=4[s5];
[p3]rotate=-12*PI/180:c=none:ow=iw:oh=ih[r3];
[p4]rotate=12*PI/180:c=none:ow=iw:oh=ih[r4];
[b1][p1]overlay=x=${x0}:y=0:shortest=1[s1];
[b2][p2]overlay=x='${x0}+${amp}*sin(2*PI*t/2)':y=0:shortest=1:eval=frame[s2];
[b3][r3]overlay=x=${x0}:y=0:shortest=1[s3];
[b4][r4]overlay=x=${x0}:y=0:shortest=1[s4];
[s1][s2][s3][s4][s5]concat=n=5:v=1:a=0,format=yuv420p[v]"
  tmp="$base.tmp.y4m"
  ffmpeg -hide_banner -loglevel error -y -loop 1 -framerate "$fps" -i "$photo" \
    -filter_complex "$graph" -map '[v]' -r "$fps" -t 26 -f yuv4mpegpipe "$tmp"
  mv "$tmp" "$base.y4m"
  python3 - "$w" "$h" "$fps" "$amp" "$x0" > "$base.json" <<'PY'
import json, sys
w, h, fps, amp, x0 = (int(a) for a in sys.argv[1:])
segments = [
    {"label": "still", "startSec": 0, "endSec": 6, "present": True, "rotationDegCcw": 0, "swayAmplitudePx": 0},
    {"label": "sway", "startSec": 6, "endSec": 12, "present": True, "rotationDegCcw": 0, "swayAmplitudePx": amp,
     "swayPeriodSec": 2, "xOffsetPx": "A*sin(2*pi*(t-startSec)/P)"},
    {"label": "rot-ccw", "startSec": 12, "endSec": 17, "present": True, "rotationDegCcw": 12, "swayAmplitudePx": 0},
    {"label": "rot-cw", "startSec": 17, "endSec": 22, "present": True, "rotationDegCcw": -12, "swayAmplitudePx": 0},
    {"label": "blank", "startSec": 22, "endSec": 26, "present": False},
]
print(json.dumps({
    "source": "skimage/data/astronaut.png (NASA portrait of Eileen Collins, public domain), Debian python3-skimage",
    "widthPx": w, "heightPx": h, "fps": fps, "durationSec": 26,
    "photo": {"xPx": x0, "yPx": 0, "sizePx": h},
    "segments": segments,
}, indent=2))
PY
  touch "$stamp"
  echo "pose-fixtures: built $base.y4m ($(du -h "$base.y4m" | cut -f1))" >&2
done
