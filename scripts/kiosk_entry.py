"""Entry point of the frozen (PyInstaller) terminal: the same as the `kiosk` command."""

import multiprocessing
import sys

from kiosk.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()
    sys.exit(main())
