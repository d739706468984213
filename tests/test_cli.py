"""The `kiosk` command: version, help, provisioning the hall server, and one clear line on failure."""

from __future__ import annotations

from core import __version__
from kiosk.cli import main


def test_version(capsys):
    try:
        main(["--version"])
    except SystemExit as stop:
        assert stop.code == 0
    assert __version__ in capsys.readouterr().out


def test_a_small_hall_is_provisioned_from_the_command_line(tmp_path, capsys):
    db = str(tmp_path / "hall.db")
    assert main(["hall-admin", "--db", db, "load-hall"]) == 0
    assert main(["hall-admin", "--db", db, "add-terminal", "K-01", "--role", "citizen"]) == 0
    secret = capsys.readouterr().out.strip().splitlines()[-1]
    assert len(secret) >= 32
    assert main(["hall-admin", "--db", db, "add-staff", "S1", "--name", "王晓雯", "--pin", "2468", "--windows", "1"]) == 0
    assert main(["hall-admin", "--db", db, "list-terminals"]) == 0
    assert "K-01\tcitizen" in capsys.readouterr().out


def test_a_bad_configuration_stops_with_one_line_naming_the_setting(tmp_path, capsys):
    path = tmp_path / "t.toml"
    path.write_text('role = "citizen"\nterminal_id = "K"\nhall_id = "H"\n[platform]\nurl = "gopher://x"\n', "utf-8")
    assert main(["run", "--config", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "platform.url" in err[0]
