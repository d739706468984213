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
# A terminal carries no hall server: neither our hall_server nor its web framework nor the simulators may be
# among the modules PyInstaller archived (its PYZ table of contents lists every one).
toc=build/pyinstaller/kiosk/PYZ-00.toc
if grep -oE "'(fastapi|uvicorn|starlette|httptools|uvloop|psycopg|hall_server|simulators)(\.[a-z_.]+)?'" "$toc" | sort -u | grep .; then
  echo "frozen: the terminal build carries the modules above, which belong to the hall server or the demo" >&2
  exit 1
fi
echo "frozen: no hall server, web framework or simulator among $(grep -c "'PYMODULE'" "$toc") archived modules"
