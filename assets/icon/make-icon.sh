#!/usr/bin/env bash
# Draws adphoto's icon and renders it: PNGs at 16..512 px and a multi-size adphoto.ico.
# The outputs are committed; run this again only when the design changes.
#   assets/icon/make-icon.sh      (needs Debian's librsvg2-bin and imagemagick; installs them if missing)
#
# The design: a blue rounded-square badge holding a white ID card with a portrait (a person's
# silhouette on a light photo area) and a green tick — "a photo, set". At 16 and 32 px the card
# would be mush, so those sizes use a simpler drawing: a white silhouette and the tick.
set -euo pipefail
cd "$(dirname "$0")"

need=()
command -v rsvg-convert >/dev/null || need+=(librsvg2-bin)
[ -x /usr/bin/convert ] || need+=(imagemagick)
if ((${#need[@]})); then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# /usr/local/bin/convert may be something else entirely: use ImageMagick's by its full path.
CONVERT=/usr/bin/convert

BLUE_LIGHT='#3b82f6'
BLUE='#1d4ed8'
BLUE_DARK='#1e3a8a'
PHOTO='#dbeafe'
GREEN='#16a34a'

cat >adphoto.svg <<SVG
<svg xmlns="http://www.w3.org/2000/svg" width="512" height="512" viewBox="0 0 512 512">
  <defs>
    <linearGradient id="bg" x1="0" y1="0" x2="1" y2="1">
      <stop offset="0" stop-color="$BLUE_LIGHT"/>
      <stop offset="1" stop-color="$BLUE"/>
    </linearGradient>
    <clipPath id="photo"><rect x="156" y="150" width="200" height="222" rx="18"/></clipPath>
  </defs>
  <rect x="16" y="16" width="480" height="480" rx="108" fill="url(#bg)"/>
  <!-- the ID card, with a slot for the lanyard clip -->
  <rect x="124" y="84" width="264" height="336" rx="36" fill="#fff"/>
  <rect x="218" y="106" width="76" height="20" rx="10" fill="$BLUE"/>
  <!-- the portrait -->
  <rect x="156" y="150" width="200" height="222" rx="18" fill="$PHOTO"/>
  <g clip-path="url(#photo)" fill="$BLUE_DARK">
    <circle cx="256" cy="238" r="52"/>
    <ellipse cx="256" cy="392" rx="98" ry="86"/>
  </g>
  <!-- the tick: this one has a photo -->
  <circle cx="384" cy="396" r="76" fill="$GREEN" stroke="#fff" stroke-width="16"/>
  <path d="M348 398 l24 24 l44 -48" fill="none" stroke="#fff" stroke-width="22"
        stroke-linecap="round" stroke-linejoin="round"/>
</svg>
SVG

# The small drawing: everything thicker, no card.
cat >adphoto-small.svg <<SVG
<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32" viewBox="0 0 32 32">
  <defs>
    <linearGradient id="bg" x1="0" y1="0" x2="1" y2="1">
      <stop offset="0" stop-color="$BLUE_LIGHT"/>
      <stop offset="1" stop-color="$BLUE"/>
    </linearGradient>
    <clipPath id="badge"><rect x="1" y="1" width="30" height="30" rx="7"/></clipPath>
  </defs>
  <rect x="1" y="1" width="30" height="30" rx="7" fill="url(#bg)"/>
  <g clip-path="url(#badge)" fill="#fff">
    <circle cx="14" cy="11.5" r="5.5"/>
    <ellipse cx="14" cy="28" rx="10" ry="9"/>
  </g>
  <circle cx="24.5" cy="24.5" r="6.5" fill="$GREEN" stroke="#fff" stroke-width="1.5"/>
  <path d="M21.6 24.6 l2 2 l3.6 -3.9" fill="none" stroke="#fff" stroke-width="1.8"
        stroke-linecap="round" stroke-linejoin="round"/>
</svg>
SVG

for s in 16 32; do
  rsvg-convert -w "$s" -h "$s" adphoto-small.svg -o "adphoto-$s.png"
done
for s in 48 64 128 256 512; do
  rsvg-convert -w "$s" -h "$s" adphoto.svg -o "adphoto-$s.png"
done
# Windows picks the nearest size from the .ico (16 for lists, 32/48 for the desktop, 256 for tiles).
# -strip: no timestamps in the files, so running this again changes nothing.
for f in adphoto-*.png; do "$CONVERT" "$f" -strip "$f"; done
"$CONVERT" adphoto-16.png adphoto-32.png adphoto-48.png adphoto-64.png adphoto-128.png adphoto-256.png \
  -strip adphoto.ico
ls -l adphoto.svg adphoto-small.svg adphoto-*.png adphoto.ico
