"""The zh-hans catalogue is complete: every message in the source has a reviewed (not fuzzy) translation."""

import re
import subprocess
from pathlib import Path

from django.conf import settings

CATALOGUES = sorted(Path(settings.BASE_DIR, "locale", "zh_Hans", "LC_MESSAGES").glob("*.po"))


def entries(path: Path):
    """(flags, msgid, msgstr) of every entry but the header, plural forms joined."""
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        lines = [line for line in block.strip().splitlines() if not line.startswith("#~")]
        flags = " ".join(line for line in lines if line.startswith("#,"))
        text = {"msgid": "", "msgstr": ""}
        key = None
        for line in lines:
            match = re.match(r'^(msgid|msgid_plural|msgstr(?:\[\d+\])?) "(.*)"$', line)
            if match:
                key = "msgid" if match.group(1).startswith("msgid") else "msgstr"
                text[key] += match.group(2) + ("\0" if match.group(1).startswith("msgstr[") else "")
            elif line.startswith('"') and key:
                text[key] += line[1:-1]
        if text["msgid"]:
            yield flags, text["msgid"], text["msgstr"]


def test_there_are_catalogues():
    assert "django.po" in [path.name for path in CATALOGUES]


def test_every_message_is_translated_and_none_is_fuzzy():
    problems = []
    for path in CATALOGUES:
        for flags, msgid, msgstr in entries(path):
            if "fuzzy" in flags:
                problems.append(f"{path.name}: fuzzy: {msgid[:60]}")
            elif not msgstr.replace("\0", "") or "\0\0" in msgstr:
                problems.append(f"{path.name}: untranslated: {msgid[:60]}")
    assert problems == []


def test_the_compiled_catalogue_agrees_with_msgfmt():
    for path in CATALOGUES:
        result = subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(path)], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
