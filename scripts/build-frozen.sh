#!/usr/bin/env bash
# Builds the one-folder terminal with PyInstaller (kiosk.spec) and checks that the frozen program starts:
# `kiosk --version` and `kiosk diag selftest` (catalogues, fonts, printing, the signed platform link, Qt
# offscreen, decoders), offscreen. Output in dist/kiosk/.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
./dev setup
export QT_QPA_PLATFORM=offscreen
.venv/bin/pyinstaller --noconfirm --clean --log-level WARN --distpath dist --workpath build/pyinstaller kiosk.spec
frozen="dist/kiosk/kiosk"
echo "frozen: $("$frozen" --version)"
"$frozen" diag selftest
