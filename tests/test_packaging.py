"""The Debian packaging's checked parts: the list of system libraries the frozen terminal needs
(scripts/frozen_libraries.py over real ELF files with the real ldd and dpkg), the maintainer scripts'
syntax and the units' contract with the program (docs/deployment.md, "Installing on Debian 12 and 13",
"The units"). The packages themselves are built and installed by ./dev package --check."""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import frozen_libraries  # noqa: E402

needs_ldd = pytest.mark.skipif(shutil.which("ldd") is None, reason="ldd is part of glibc on Linux")
DEBIAN_NAME = re.compile(r"^[a-z0-9][a-z0-9+.-]+$")


def _extension_linking_openssl() -> Path:
    import _ssl

    return Path(_ssl.__file__)


def _write_list(path: Path, libraries: dict[str, str], runtime: tuple[str, ...] = ()) -> Path:
    path.write_text("# test list\n" + "".join(f"{s} {p}\n" for s, p in libraries.items())
                    + "".join(f"@{p}\n" for p in runtime), encoding="utf-8")
    return path


@needs_ldd
def test_a_library_loaded_from_outside_the_folder_and_missing_from_the_list_fails_the_check(tmp_path, capsys):
    """GIVEN a frozen folder holding Python's _ssl extension, which loads libssl and libcrypto, and a list
    naming only the C library WHEN checked THEN both are reported, and the check fails; WHEN libcrypto is
    copied into the folder's _internal (as PyInstaller does) THEN only libssl is outside; WHEN the list names
    it THEN the check passes."""
    folder = tmp_path / "kiosk"
    (folder / "_internal").mkdir(parents=True)
    extension = shutil.copy(_extension_linking_openssl(), folder / "_internal")
    outside = frozen_libraries.outside_libraries(folder)
    assert {"libssl.so.3", "libcrypto.so.3", "libc.so.6"} <= set(outside)
    listed = _write_list(tmp_path / "list.txt", {"libc.so.6": "libc6"})
    assert {"libssl.so.3", "libcrypto.so.3"} <= set(frozen_libraries.uncovered(folder, listed))
    assert frozen_libraries.main(["check", str(folder), str(listed)]) == 1
    assert "needs libssl.so.3" in capsys.readouterr().err

    shutil.copy(Path(outside["libcrypto.so.3"]).resolve(), folder / "_internal" / "libcrypto.so.3")
    assert "libcrypto.so.3" not in frozen_libraries.uncovered(folder, listed)
    everything = {soname: "pkg" for soname in frozen_libraries.outside_libraries(folder)}
    assert frozen_libraries.main(["check", str(folder), str(_write_list(tmp_path / "all.txt", everything))]) == 0
    assert Path(extension).is_file()


@needs_ldd
@pytest.mark.skipif(shutil.which("dpkg-query") is None, reason="dpkg-query: Debian and its derivatives")
def test_update_maps_each_library_outside_the_folder_to_its_debian_package(tmp_path):
    """GIVEN a folder loading the C library and OpenSSL from the system WHEN the list is made THEN each
    library is listed with the package dpkg says holds it (libc.so.6 in libc6), and the list's "@" lines
    (what no ELF file names) are kept."""
    folder = tmp_path / "kiosk"
    (folder / "_internal").mkdir(parents=True)
    shutil.copy(_extension_linking_openssl(), folder / "_internal")
    listed = _write_list(tmp_path / "list.txt", {}, runtime=("fonts-wqy-microhei",))
    assert frozen_libraries.main(["update", str(folder), str(listed)]) == 0
    libraries, runtime = frozen_libraries.read_list(listed)
    assert libraries["libc.so.6"] == "libc6" and libraries["libssl.so.3"].startswith("libssl3")
    assert runtime == ["fonts-wqy-microhei"]
    assert frozen_libraries.uncovered(folder, listed) == {}


def test_the_shipped_list_names_debian_packages_and_the_fonts_the_terminal_draws_with():
    """The Depends of the terminal's package: valid package names, each once, the C library among them,
    and the CJK fonts of rare names (䶮 in Droid Sans Fallback, 𠮷 in HanaMin) that no ELF file names."""
    packages = frozen_libraries.depends(ROOT / "packaging" / "frozen-libraries.txt")
    assert packages and all(DEBIAN_NAME.match(p) for p in packages) and len(packages) == len(set(packages))
    assert {"libc6", "fonts-wqy-microhei", "fonts-droid-fallback", "fonts-hanazono"} <= set(packages)


@pytest.mark.skipif(shutil.which("sh") is None, reason="a POSIX shell")
@pytest.mark.parametrize("script", sorted(str(p.relative_to(ROOT)) for p in (ROOT / "packaging").glob("*/p*")
                                          if p.name in ("postinst", "prerm", "postrm")))
def test_the_maintainer_scripts_are_posix_shell(script):
    """dpkg runs them with /bin/sh (dash on Debian): no bash syntax may slip in, and a failing command
    stops them (Debian Policy 6.1)."""
    result = subprocess.run(["sh", "-n", str(ROOT / script)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    text = (ROOT / script).read_text(encoding="utf-8")
    assert text.startswith("#!/bin/sh\n") and "\nset -e\n" in text  # a failing step fails the script


def _unit(path: Path) -> configparser.ConfigParser:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str
    unit.read(path, encoding="utf-8")
    return unit


def test_the_terminal_unit_runs_the_installed_program_with_a_role_file_from_etc_under_a_watchdog():
    """GIVEN hall-kiosk@citizen.service WHEN systemd starts it THEN it runs the frozen program in /opt with
    /etc/hall-kiosk/citizen.toml, as the terminal's own user, waiting for READY=1 from the program itself
    (the main process) and restarting it whenever it ends (its watchdog pings stopped, a crash, the
    technician's restart, 75) but after the technician's exit for maintenance (10)."""
    service = _unit(ROOT / "packaging" / "terminal" / "hall-kiosk@.service")["Service"]
    assert service["ExecStart"] == "/opt/hall-kiosk/kiosk run --config /etc/hall-kiosk/%i.toml"
    assert service["EnvironmentFile"] == "-/etc/hall-kiosk/terminal.env"
    assert (service["Type"], service["NotifyAccess"], service["Restart"]) == ("notify", "main", "always")
    assert service["RestartPreventExitStatus"] == "10"
    assert service["WatchdogSec"].endswith("s") and int(service["WatchdogSec"][:-1]) > 0
    assert service["User"] == "hall-kiosk" and {"dialout", "video", "lp", "audio"} <= set(service["SupplementaryGroups"].split())


def test_the_hall_server_unit_waits_for_it_to_listen_and_writes_only_its_data_directory():
    service = _unit(ROOT / "packaging" / "hall-server" / "hall-kiosk-hall-server.service")["Service"]
    assert service["ExecStart"].startswith("/opt/hall-kiosk-hall-server/venv/bin/python -m kiosk hall-server "
                                           "--db /var/lib/hall-kiosk-hall-server/hall.db")
    assert service["Type"] == "notify" and service["ReadWritePaths"] == "/var/lib/hall-kiosk-hall-server"
