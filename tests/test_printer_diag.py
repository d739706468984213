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


# --- intake papers -------------------------------------------------------------------------------------

SAMPLE_HALL = ROOT / "simulators" / "sample_data" / "hall.json"


@pytest.mark.parametrize("paper, label, qr_prefix", [
    ("receipt", "sample acceptance receipt", "HALL:R:320102"),
    ("notice", "sample one-time notice", None),
    ("checklist", "sample materials checklist", "HALL:G:320100-QR-0002"),
    ("slip", "sample self-service application slip", "HALL:P:5e1c7a2b-"),
])
@pytest.mark.parametrize("width", [80, 58])
def test_an_intake_paper_to_the_simulator_with_a_picture(paper, label, qr_prefix, width, tmp_path, capsys):
    """GIVEN the printer simulator on TCP WHEN a sample receipt, notice, checklist or 自助申报 slip is printed
    THEN the simulator gets exactly the job reported, and the picture's QR code reads back the receipt, guide
    or pre-application code."""
    png = tmp_path / "p.png"
    with PrinterSimulator() as sim:
        code = main(["diag", "print", paper, "--printer", sim.url, "--width", str(width), "--png", str(png),
                     "--language", "en", "--timeout", "2"])
        assert sim.wait_for(lambda: len(sim.jobs()) == 1)
        job = sim.jobs()[0]
    assert code == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1] == f"Printed {label}: {len(job)} bytes to {sim.url}"
    assert [c.name for c in parse(job)[0]][-1] == "cut"
    decoded = [r.text for r in zxingcpp.read_barcodes(Image.open(png))]
    if qr_prefix is None:
        assert decoded == []
    else:
        assert len(decoded) == 1 and decoded[0].startswith(qr_prefix)
    assert "李䶮".encode("gb18030") not in job and b"11010519491231002X" not in job


def test_a_receipt_for_a_matter_of_a_catalogue_with_its_notice_pdf(tmp_path, capsys):
    """--catalogue and --matter pick the matter; --pdf writes the A4 notice of acceptance beside the print."""
    out, pdf = tmp_path / "r.bin", tmp_path / "n.pdf"
    assert main(["diag", "print", "receipt", "--printer", f"file://{out}", "--catalogue", str(SAMPLE_HALL),
                 "--matter", "320100-XK-0001", "--pdf", str(pdf)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == f"受理通知书（A4）已保存到 {pdf}"
    assert "事项编码：320100-XK-0001".encode("gb18030") in out.read_bytes()
    assert pdf.read_bytes().startswith(b"%PDF-")


def test_a_slip_for_a_self_service_matter_of_a_catalogue(tmp_path, capsys):
    """GIVEN the sample hall's company registration (every field kind) WHEN its sample slip is printed THEN
    it says the number is pending with the short id, and what to bring to the window."""
    out = tmp_path / "s.bin"
    assert main(["diag", "print", "slip", "--printer", f"file://{out}", "--catalogue", str(SAMPLE_HALL),
                 "--matter", "320100-XK-0018"]) == 0
    assert "已打印 示例自助申报回执" in capsys.readouterr().out
    job = out.read_bytes()
    for text in ("自助申报回执", "办件编号待同步", "申报记录：5e1c7a2b", "请携带以下材料到窗口"):
        assert text.encode("gb18030") in job


@pytest.mark.parametrize("argv, expected", [
    (["receipt", "--matter", "NO-SUCH-1"], "--matter"),
    (["notice", "--catalogue", "{catalogue}", "--matter", "NO-SUCH-1"], "no matter NO-SUCH-1"),
    (["checklist", "--catalogue", "{missing}"], "--catalogue"),
    (["notice", "--pdf", "x.pdf"], "--pdf"),
    (["ticket", "--matter", "320100-QR-0002"], "--matter"),
])
def test_a_wrong_matter_or_catalogue_is_one_line_and_nothing_is_printed(argv, expected, tmp_path, capsys):
    out = tmp_path / "never.bin"
    argv = [a.format(catalogue=SAMPLE_HALL, missing=tmp_path / "none.json") for a in argv]
    assert main(["diag", "print", *argv, "--printer", f"file://{out}"]) != 0
    err = capsys.readouterr().err.strip()
    assert expected in err and "\n" not in err
    assert not out.exists()


def test_a_ticket_prints_in_traditional_chinese_in_gb18030(tmp_path, capsys):
    """GIVEN the third language WHEN the sample ticket is printed in zh_TW THEN the printer gets GB18030 text
    of the Traditional catalogue (您的號碼, 請在等候區等候); the hall's own names stay as the hall wrote them."""
    out = tmp_path / "t.bin"
    assert main(["diag", "print", "ticket", "--printer", f"file://{out}", "--language", "zh_TW"]) == 0
    assert "字節" in capsys.readouterr().out
    printed = out.read_bytes()
    for text in ("您的號碼", "請在等候區等候", "示例市政务服务中心"):
        assert text.encode("gb18030") in printed
