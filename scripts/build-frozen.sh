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
# A terminal carries no hall server: neither our hall_server nor its web framework may be in the build.
if find dist/kiosk -ipath '*fastapi*' -o -ipath '*uvicorn*' -o -ipath '*starlette*' -o -ipath '*hall_server*' \
     -o -ipath '*simulators*' | grep -q .; then
  echo "frozen: the terminal build carries hall-server or simulator parts:" >&2
  find dist/kiosk -ipath '*fastapi*' -o -ipath '*uvicorn*' -o -ipath '*starlette*' -o -ipath '*hall_server*' \
    -o -ipath '*simulators*' | head >&2
  exit 1
fi
echo "frozen: no hall server, web framework or simulator in the terminal build"
