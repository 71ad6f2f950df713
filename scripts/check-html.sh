#!/usr/bin/env bash
# Renders kumiai HTML reports in a real headless browser and checks they really show.
#
#   scripts/check-html.sh FILE.html [FILE2.html …]
#   EXPECT='テーマ|単組数' scripts/check-html.sh report.html
#
# For each file: a PNG screenshot (1200×2000, written next to the file as FILE.png, or into
# $SHOT_DIR) and a dump of the DOM. Fails (exit 1, with a message) when
#   - the screenshot is small or (nearly) blank,
#   - the DOM lacks any of the texts in $EXPECT ('|'-separated, default 'テーマ'),
#   - the DOM has a <script> element (our pages need none, so a <script> written in a
#     document and left unescaped would show up here),
#   - the page references the network (src/href/url() to http(s), @import).
# Exit 2: bad usage or the browser could not run.
#
# Needs Debian's chromium and a Japanese font; both are installed with apt-get when missing.
# Environment: CHROMIUM (browser binary, default /usr/bin/chromium), SHOT_DIR, EXPECT,
# MIN_PNG_KB (default 20).

set -euo pipefail

usage() {
    sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}
[ $# -ge 1 ] || usage

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
EXPECT=${EXPECT:-テーマ}
MIN_PNG_KB=${MIN_PNG_KB:-20}

apt_install() {
    echo "check-html: installing $*" >&2
    local sudo=
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >&2
}

if [ ! -x "$CHROMIUM" ]; then
    apt_install chromium
fi
if ! fc-list :lang=ja 2>/dev/null | grep -q .; then
    apt_install fonts-noto-cjk
fi
command -v python3 >/dev/null || { echo "check-html: python3 is needed to inspect the PNG" >&2; exit 2; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/check-html.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# Runs the browser on a fresh profile, no network services, no GPU.
browse() {
    local profile
    profile=$(mktemp -d "$WORK/profile.XXXXXX")
    timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic \
        --no-first-run --disable-background-networking --disable-component-update \
        --disable-sync --user-data-dir="$profile" "$@"
}

# Prints "WIDTHxHEIGHT nonwhite% colours" of an 8-bit, non-interlaced PNG (what chromium writes).
png_stats() {
    python3 - "$1" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
if data[:8] != b"\x89PNG\r\n\x1a\n":
    sys.exit("not a PNG")
pos, idat, w = 8, b"", 0
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
        if depth != 8 or ctype not in (2, 6) or interlace:
            sys.exit(f"unsupported PNG (depth {depth}, colour type {ctype})")
        bpp = 3 if ctype == 2 else 4
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
raw = zlib.decompress(idat)
stride = w * bpp
prev = bytearray(stride)
nonwhite, colours = 0, set()
for y in range(h):
    f = raw[y * (stride + 1)]
    line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    prev = line
    if y % 2:
        continue
    for x in range(0, stride, bpp * 2):
        px = bytes(line[x:x + 3])
        colours.add(px)
        if px != b"\xff\xff\xff":
            nonwhite += 1
sampled = ((h + 1) // 2) * ((w + 1) // 2)
print(f"{w}x{h} {100 * nonwhite / sampled:.2f} {len(colours)}")
PY
}

failed=0
bad=0
fail() {
    echo "check-html: FAIL $1: $2" >&2
    failed=1
    bad=1
}

for file in "$@"; do
    bad=0
    if [ ! -f "$file" ]; then
        fail "$file" "no such file"
        continue
    fi
    abs=$(cd "$(dirname "$file")" && pwd)/$(basename "$file")
    shot=${SHOT_DIR:-$(dirname "$abs")}/$(basename "${file%.*}").png
    mkdir -p "$(dirname "$shot")"
    rm -f "$shot"
    url="file://$abs"

    if ! browse --screenshot="$shot" --window-size=1200,2000 --hide-scrollbars "$url" \
        >"$WORK/shot.log" 2>&1 || [ ! -s "$shot" ]; then
        cat "$WORK/shot.log" >&2
        echo "check-html: the browser could not take a screenshot of $file" >&2
        exit 2
    fi
    if ! browse --dump-dom "$url" >"$WORK/dom.html" 2>"$WORK/dom.log" || [ ! -s "$WORK/dom.html" ]; then
        cat "$WORK/dom.log" >&2
        echo "check-html: the browser could not dump the DOM of $file" >&2
        exit 2
    fi

    kb=$(( $(stat -c %s "$shot") / 1024 ))
    if ! stats=$(png_stats "$shot"); then
        fail "$file" "cannot read the screenshot $shot"
        continue
    fi
    read -r size ink colours <<<"$stats"
    [ "$kb" -ge "$MIN_PNG_KB" ] || fail "$file" "screenshot is only ${kb} KB (< ${MIN_PNG_KB} KB)"
    awk -v i="$ink" 'BEGIN { exit !(i >= 1.0) }' || fail "$file" "screenshot is blank (${ink}% non-white)"
    [ "$colours" -ge 8 ] || fail "$file" "screenshot has only $colours colours"

    IFS='|' read -r -a expected <<<"$EXPECT"
    for text in "${expected[@]}"; do
        [ -z "$text" ] || grep -qF -- "$text" "$WORK/dom.html" || fail "$file" "rendered page lacks \"$text\""
    done
    if grep -qi '<script' "$WORK/dom.html"; then
        fail "$file" "rendered page has a <script> element: $(grep -oi '<script[^>]*>[^<]\{0,60\}' "$WORK/dom.html" | head -1)"
    fi
    if grep -qiE '(src|href|xlink:href)=["'\'']?https?:|url\(["'\'']?https?:|@import' "$WORK/dom.html"; then
        fail "$file" "page references the network: $(grep -oiE '(src|href|xlink:href)=["'\'']?https?:[^ >]*|url\([^)]*\)|@import[^;]*' "$WORK/dom.html" | head -1)"
    fi
    [ "$bad" -eq 0 ] && verdict=ok || verdict=FAIL
    echo "check-html: $verdict $file → $shot ($size, ${kb} KB, ${ink}% non-white, $colours colours; DOM $(wc -c <"$WORK/dom.html") bytes)"
done

if [ "$failed" -ne 0 ]; then
    exit 1
fi
echo "check-html: all ${#} file(s) OK"
