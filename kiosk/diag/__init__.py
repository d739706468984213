"""``kiosk diag …``: the technician's command-line diagnostics, one module per command.

Each module here has ``register(subparsers)`` which adds its sub-command and sets ``func`` to a function
taking the parsed arguments and returning the exit code. Rules for every diag command:

- output is for a technician: plain lines, or one JSON object per line with ``--json``;
- personal data is masked unless the command has and was given ``--unmasked``;
- a device or platform failure exits non-zero with one clear line on stderr, never a traceback.
"""

# Sub-commands in the order ``kiosk diag --help`` lists them. A module that is not there is skipped.
COMMANDS = ("selftest", "print", "idcard", "scanner", "decode", "camera", "document", "locker", "sync", "lockdown",
            "bundle", "a11y", "voice")
