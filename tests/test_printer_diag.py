"""``kiosk diag print``: a sample to any printer URL, its status reported, failures in one line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from devices.printer.commands import parse
from simulators.printer import Fault, PrinterSimulator
from kiosk.cli import main
from core.ports.printer import PrinterStatus

ROOT = Path(__file__).resolve().parents[1]


def test_ticket_to_a_file_with_a_picture(tmp_path, capsys):
    out, png = tmp_path / "t.bin", tmp_path / "t.png"
    assert main(["diag", "print", "ticket", "--printer", f"file://{out}", "--png", str(png), "--language", "en"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Printer status: unknown (this printer or link cannot report status)"
    assert lines[1] == f"Printed sample ticket: {out.stat().st_size} bytes to file://{out}"
    assert [c.name for c in parse(out.read_bytes())[0]][-1] == "cut"
    assert [r.text for r in zxingcpp.read_barcodes(Image.open(png))] == ["DIAG-0001-7Q2K"]


@pytest.mark.parametrize("scheme", ["tcp", "serial"])
def test_test_page_to_the_simulator_reports_its_status(scheme, capsys):
    with PrinterSimulator(status=PrinterStatus.PAPER_NEAR_END) as sim:
        url = sim.url if scheme == "tcp" else sim.serial_url
        code = main(["diag", "print", "test-page", "--printer", url, "--width", "58", "--encoding", "gbk",
                     "--qr", "image", "--timeout", "1"])
        assert sim.wait_for(lambda: len(sim.jobs()) == 1)
    assert code == 0
    assert capsys.readouterr().out.splitlines()[0] == "打印机状态：纸将用完"


@pytest.mark.parametrize("fault, expected", [
    ("paper_out", "out of paper"),
    ("garbage", "cannot be understood"),
    ("silent", "did not answer"),
    ("unplugged", "connection"),
])
def test_failures_exit_non_zero_with_one_clear_line(fault, expected, capsys):
    with PrinterSimulator() as sim:
        if fault == "paper_out":
            sim.set_status(PrinterStatus.PAPER_OUT)
        elif fault == "garbage":
            sim.set_fault(Fault.GARBAGE)
        elif fault == "silent":
            sim.set_fault(Fault.SILENT)
        else:
            sim.set_fault(Fault.DROP)
        code = main(["diag", "print", "ticket", "--printer", sim.url, "--timeout", "0.5", "--language", "en"])
        assert sim.jobs() == []
    err = capsys.readouterr().err.strip().splitlines()
    assert code != 0
    assert len(err) == 1 and expected in err[0], err


def test_bad_url_names_the_problem(capsys):
    assert main(["diag", "print", "ticket", "--printer", "lpt://1"]) != 0
    err = capsys.readouterr().err.strip()
    assert "--printer" in err and "unknown scheme" in err and "\n" not in err


def test_as_a_command_no_traceback(tmp_path):
    """The real command line: a missing printer is one line on stderr and exit code 2."""
    with PrinterSimulator() as sim:
        url = sim.url
    result = subprocess.run([sys.executable, "-m", "kiosk", "diag", "print", "ticket", "--printer", url,
                             "--timeout", "0.5"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "not found" in result.stderr
