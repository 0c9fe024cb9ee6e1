"""``nlp.deferred``: a deferred module loads on its first attribute read, not before."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from nlp.deferred import defer


def test_module_loads_on_first_attribute_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = tmp_path / "loaded"
    (tmp_path / "cac_deferred_probe.py").write_text(
        f"from pathlib import Path\nPath({str(marker)!r}).write_text('yes')\nANSWER = 42\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "cac_deferred_probe", raising=False)
    assert defer("cac_deferred_probe") is True
    import cac_deferred_probe  # type: ignore[import-not-found]

    # what a scan of sys.modules reads is served by the stand-in
    assert cac_deferred_probe.__file__ == str(tmp_path / "cac_deferred_probe.py")
    assert not marker.exists()
    assert cac_deferred_probe.ANSWER == 42
    assert marker.read_text() == "yes"
    assert sys.modules["cac_deferred_probe"].ANSWER == 42
    assert type(sys.modules["cac_deferred_probe"]).__name__ == "module"  # the real one now
    monkeypatch.delitem(sys.modules, "cac_deferred_probe")


def test_imported_or_missing_modules_are_left_alone() -> None:
    assert defer("json") is False  # already imported: nothing to defer
    assert defer("cac_no_such_module_anywhere") is False
