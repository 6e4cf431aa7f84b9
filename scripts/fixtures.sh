#!/usr/bin/env bash
# Builds the real-speech test fixtures from Debian's pocketsphinx-testdata (LibriVox "Sense and
# Sensibility" utterances, public domain) into .lectern/fixtures/ (idempotent):
#   speech-pauses-16k.wav   16 kHz mono: utterances (edge silence trimmed) with inserted digital
#                           silences of 1.0–2.0 s, and utterance B repeated 12 dB quieter
#   speech-pauses-48k.wav   the same at 48 kHz (Chromium's fake audio capture input)
#   speech-pauses.json      ground truth: segments with startSec/endSec, gainDb, and the reference text
# sox runs with -R (repeatable: dither seeded with a fixed number), so every machine builds
# byte-identical fixtures and the tests that decode them give the same figures everywhere.
# Needs: sox, and the pocketsphinx-testdata package (installed by scripts/setup.sh).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/.lectern/fixtures"
src=/usr/share/pocketsphinx/test/data/librivox
stamp="$out/.v4"
[ -f "$stamp" ] && exit 0
if [ ! -d "$src" ]; then
  echo "fixtures: $src is missing — install it with: apt-get install pocketsphinx-testdata" >&2
  exit 1
fi
command -v sox >/dev/null || { echo "fixtures: sox is missing — apt-get install sox" >&2; exit 1; }
mkdir -p "$out"; tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

declare -A text
while read -r line; do
  id=$(sed -E 's/.*\((.*)\)$/\1/' <<<"$line"); t=$(sed -E 's/<s> (.*) <\/s>.*/\1/' <<<"$line")
  text[$id]=$t
done < "$src/transcription"

trim() { # $1 id, $2 out: trim leading/trailing silence below -40 dBFS, 16 kHz mono float
  sox -R "$src/$1.wav" -r 16000 -c 1 -b 16 "$2" silence 1 0.03 -40d reverse silence 1 0.03 -40d reverse
}
sil() { sox -R -n -r 16000 -c 1 -b 16 "$tmp/sil_$1.wav" trim 0 "$1"; echo "$tmp/sil_$1.wav"; }

parts=(); json='['; t=0
add_silence() { parts+=("$(sil "$1")"); t=$(python3 -c "print(round($t+$1,4))"); }
add_utt() { # $1 id, $2 gain dB, $3 label
  local f="$tmp/$1_$2.wav"; trim "$1" "$tmp/$1.wav"; sox -R "$tmp/$1.wav" "$f" gain "$2"
  local d; d=$(soxi -D "$f"); local e; e=$(python3 -c "print(round($t+$d,4))")
  [ "$json" != '[' ] && json+=','
  json+="{\"label\":\"$3\",\"id\":\"$1\",\"gainDb\":$2,\"startSec\":$t,\"endSec\":$e,\"text\":\"${text[$1]}\"}"
  parts+=("$f"); t=$e
}
add_silence 0.5
add_utt sense_and_sensibility_01_austen_64kb-0870 0 A
add_silence 1.5
add_utt sense_and_sensibility_01_austen_64kb-0880 0 B
add_silence 2.0
add_utt sense_and_sensibility_01_austen_64kb-0880 -12 B-quiet
add_silence 1.2
add_utt sense_and_sensibility_01_austen_64kb-0890 0 C
add_silence 1.0
add_utt sense_and_sensibility_01_austen_64kb-0920 0 D
add_silence 1.5
json+=']'
sox -R "${parts[@]}" "$out/speech-pauses-16k.wav"
sox -R "$out/speech-pauses-16k.wav" -r 48000 "$out/speech-pauses-48k.wav"
python3 - "$json" "$t" > "$out/speech-pauses.json" <<'PY'
import json, sys
segs = json.loads(sys.argv[1]); total = float(sys.argv[2])
pauses = [{"startSec": a["endSec"], "endSec": b["startSec"]} for a, b in zip(segs, segs[1:])]
print(json.dumps({"source": "pocketsphinx-testdata LibriVox (public domain)", "durationSec": total,
                  "segments": segs, "insertedPauses": pauses,
                  "referenceText": " ".join(s["text"] for s in segs)}, indent=2))
PY
touch "$stamp"
echo "fixtures: wrote $out ($(soxi -D "$out/speech-pauses-16k.wav") s)"
