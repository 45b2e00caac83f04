"""The UI is Chinese by default: every message in the zh-hans catalogue must be translated."""

import shutil
import subprocess
from pathlib import Path

import pytest
from django.test import Client

SRC = Path(__file__).parent.parent / "src/gridcare"
CATALOGUE = SRC / "locale/zh_Hans/LC_MESSAGES/django.po"
#: The third-party apps' names (axes, django-tasks), which makemessages never extracts.
THIRD_PARTY_CATALOGUE = SRC / "core/locale/zh_Hans/LC_MESSAGES/django.po"


@pytest.mark.parametrize(
    "catalogue", [CATALOGUE, THIRD_PARTY_CATALOGUE], ids=["main", "third-party"]
)
def test_zh_hans_catalogue_has_no_untranslated_or_fuzzy_message(catalogue: Path) -> None:
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "msgfmt (gettext) is installed by `make install`"
    result = subprocess.run(
        [msgfmt, "--check", "--statistics", "-o", "/dev/null", str(catalogue)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "untranslated" not in result.stderr, result.stderr
    assert "fuzzy" not in result.stderr, result.stderr


@pytest.mark.django_db
def test_pages_are_chinese_by_default_and_english_on_request() -> None:
    client = Client()
    assert "客户登录" in client.get("/portal/login/").content.decode()
    english = client.get("/portal/login/", headers={"accept-language": "en"})
    assert "Customer login" in english.content.decode()


@pytest.mark.django_db
def test_unknown_route_gets_the_styled_404_page() -> None:
    response = Client().get("/no/such/page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()
