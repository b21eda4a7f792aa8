"""The Settings page through AppTest: typed, checked, atomic saves; the LLM key kept secret; a real connection test."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from errors import InputError
from tests.openai_server import FakeOpenAI, free_port, openai_server  # noqa: F401 - the fixture
from viz.format import format_value
from viz.i18n import t
from workspace.audit import browse
from workspace.home import Workspace
from workspace.secrets import read_secret, secrets_path
from workspace.settings import LLM_KEY_SECRET, SETTINGS, Settings
from workspace.users import add_user

ROOT = Path(__file__).resolve().parent.parent
KEY = "sk-settings-test-5a1e9c"
MAY_REVENUE = ("SELECT SUM(net_amount) FROM orders WHERE status = 'completed' "
               "AND order_date BETWEEN DATE '2025-05-01' AND DATE '2025-05-31'")


@pytest.fixture
def home(warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh workspace on the demo warehouse, open demo (signed in as admin), no LLM from the environment."""
    folder = tmp_path / "home"
    folder.mkdir()
    (folder / "warehouse.duckdb").symlink_to(warehouse)
    Settings(folder).set("open_demo", True)
    monkeypatch.setenv("BEACON_HOME", str(folder))
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    return folder


def open_page(page: str = "settings.py", lang: str = "en") -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    if lang != "en":
        at.segmented_control(key="language_switch").set_value(lang).run()
    at.switch_page(str(ROOT / "app_pages" / page)).run()
    assert not at.exception, at.exception
    return at


def save(at: AppTest, section: str) -> None:
    next(b for b in at.button if b.proto.form_id == f"settings_form_{section}").click().run()
    assert not at.exception, at.exception


def shown_texts(at: AppTest) -> str:
    """Every text and widget value on the page, as one string to search."""
    parts = [str(getattr(element, "value", "")) for element in at.main]
    parts += [str(widget.value) for widget in at.text_input]
    return "\n".join(parts)


def test_every_setting_is_shown_with_its_help(home: Path) -> None:
    at = open_page()
    assert at.title[0].value == "Settings"
    captions = [c.value for c in at.caption]
    for name, setting in SETTINGS.items():  # the page's help is the settings table's, with addresses as code
        assert t(f"settings.help.{name}", "en").replace("`", "") == setting.help
        assert t(f"settings.help.{name}", "en") in captions
    assert at.number_input(key="settings_max_rows").value == 100_000
    assert at.toggle(key="settings_llm_allow_sample_values").value is False
    assert at.date_input(key="settings_ask_as_of").value is None


def test_changed_number_is_saved(home: Path) -> None:
    at = open_page()
    at.number_input(key="settings_max_rows").set_value(5000)
    save(at, "queries")
    assert at.success[0].value == "Saved: Most rows per query."
    assert json.loads((home / "settings.json").read_text(encoding="utf-8"))["max_rows"] == 5000
    assert Settings(home).get("max_rows") == 5000
    entry = browse(Workspace(home), event="settings_change")[0]
    assert entry.detail == {"changed": {"max_rows": 5000}}


def test_bad_values_are_refused_in_words_and_nothing_changes(home: Path) -> None:
    before = (home / "settings.json").read_bytes()
    at = open_page()
    at.number_input(key="settings_llm_timeout_s").set_value(0)
    at.text_input(key="settings_llm_base_url").set_value("localhost:11434/v1")
    at.text_input(key="settings_llm_model").set_value("qwen-plus")  # a good value beside the bad ones
    save(at, "llm")
    message = at.error[0].value
    assert message.startswith("Nothing was saved.")
    assert "LLM time limit (seconds) must be a whole number of 1 or more." in message
    assert "Endpoint address must be empty or an address starting with http:// or https://" in message
    assert (home / "settings.json").read_bytes() == before


def test_api_key_goes_only_to_the_secrets_file(home: Path) -> None:
    at = open_page()
    next(w for w in at.text_input if w.key.startswith("settings_key_")).set_value(KEY)
    at.button(key="settings_key_save").click().run()
    assert not at.exception, at.exception
    assert read_secret(Workspace(home), LLM_KEY_SECRET) == KEY
    assert oct(secrets_path(Workspace(home)).stat().st_mode & 0o777) == "0o600"
    assert KEY not in (home / "settings.json").read_text(encoding="utf-8")
    assert "The key was saved." in shown_texts(at) and "A key is saved." in shown_texts(at)
    assert KEY not in shown_texts(at)
    assert not any(w.key.startswith("settings_key_") for w in at.text_input)  # no box holding the key
    audit = [entry.detail for entry in browse(Workspace(home), event="settings_change")]
    assert audit == [{"secret": LLM_KEY_SECRET, "action": "saved"}] and KEY not in str(audit)
    at.button(key="settings_key_remove").click().run()
    assert "The saved key was removed." in shown_texts(at)
    assert KEY not in secrets_path(Workspace(home)).read_text(encoding="utf-8")


def test_connection_test_against_a_real_server(home: Path, openai_server: FakeOpenAI) -> None:  # noqa: F811
    settings = Settings(home)
    settings.update({"llm_base_url": openai_server.base_url, "llm_model": "qwen-plus"})
    openai_server.reply({"metrics": ["revenue"]})
    at = open_page()
    at.button(key="settings_test").click().run()
    assert not at.exception, at.exception
    assert at.success[0].value == f"Connected: qwen-plus at {openai_server.base_url} answered."
    assert "It read “Total revenue” as: Revenue" in [c.value for c in at.caption]
    request = openai_server.requests[0]
    assert request.body["model"] == "qwen-plus" and request.messages[-1]["content"] == "Total revenue"


def test_connection_test_against_a_closed_port(home: Path) -> None:
    address = f"http://127.0.0.1:{free_port()}/v1"
    Settings(home).update({"llm_base_url": address, "llm_timeout_s": 5})
    at = open_page()
    at.button(key="settings_test").click().run()
    assert not at.exception, at.exception
    message = at.error[0].value
    assert message.startswith(f"The connection test failed: Cannot reach the language model at {address}")
    assert "Check the address" in message


def test_chinese_labels_help_and_messages(home: Path) -> None:
    at = open_page(lang="zh")
    assert at.title[0].value == "设置"
    assert at.number_input(key="settings_max_rows").label == "每次查询最多行数"
    assert t("settings.help.open_demo", "zh") in [c.value for c in at.caption]
    assert at.button(key="settings_test").label == "测试连接"
    at.number_input(key="settings_max_rows").set_value(-3)
    save(at, "queries")
    assert at.error[0].value == "没有保存任何内容。每次查询最多行数必须是不小于 1 的整数。"


def test_reference_date_moves_last_month_on_the_ask_page(home: Path, con: duckdb.DuckDBPyConnection) -> None:
    at = open_page()
    at.date_input(key="settings_ask_as_of").set_value("2025-06-30")
    save(at, "ask")
    assert Settings(home).get("ask_as_of") == "2025-06-30"
    at.switch_page(str(ROOT / "app_pages" / "ask.py")).run()
    assert any(c.value.endswith("count back from Jun 30, 2025, the reference date set in Settings.")
               for c in at.caption)
    at.chat_input[0].set_value("revenue last month").run()
    assert not at.exception, at.exception
    may = con.execute(MAY_REVENUE).fetchone()[0]
    assert at.metric[0].value == format_value(may, "currency", "en")


def test_update_checks_every_value_before_writing(tmp_path: Path) -> None:
    settings = Settings(tmp_path)
    settings.set("max_rows", 500)
    before = settings.path.read_bytes()
    with pytest.raises(InputError, match="Setting 'ask_as_of' must be empty or a date written YYYY-MM-DD; got"):
        settings.update({"llm_model": "qwen-plus", "ask_as_of": "30/06/2025"})
    assert settings.path.read_bytes() == before
    with pytest.raises(InputError, match="takes a whole number; got true"):
        settings.set("max_rows", True)
    with pytest.raises(InputError, match=r"got \"https://ana:\*\*\*@llm.example/v1 x\""):  # no password echoed
        settings.set("llm_base_url", "https://ana:pw@llm.example/v1 x")


def test_hand_edited_bad_value_is_named_and_can_be_replaced(home: Path) -> None:
    values = json.loads((home / "settings.json").read_text(encoding="utf-8"))
    (home / "settings.json").write_text(json.dumps({**values, "max_rows": "lots"}), encoding="utf-8")
    at = open_page()
    assert any(w.value.startswith("Most rows per query: the value saved in") for w in at.warning)
    assert at.number_input(key="settings_max_rows").value == SETTINGS["max_rows"].default
    save(at, "queries")
    assert Settings(home).get("max_rows") == SETTINGS["max_rows"].default


@pytest.mark.parametrize(("role", "allowed"), [("editor", False), ("admin", True)])
def test_only_an_admin_may_change_settings(home: Path, role: str, allowed: bool) -> None:
    Settings(home).set("open_demo", False)
    add_user(Workspace(home), "sam", role, "sam's password 1")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.text_input(key="sign_in_name").input("sam")
    at.text_input(key="sign_in_password").input("sam's password 1")
    next(b for b in at.button if b.label == "Sign in").click().run()
    at.switch_page(str(ROOT / "app_pages" / "settings.py")).run()
    assert not at.exception, at.exception
    assert bool(at.number_input) is allowed
    refusal = "Change settings needs the Admin role; you are signed in as sam (Editor). Ask an admin."
    assert [e.value for e in at.error] == ([] if allowed else [refusal])
    if allowed:
        at.number_input(key="settings_session_hours").set_value(8)
        save(at, "access")
        assert Settings(home).get("session_hours") == 8
        assert browse(Workspace(home), event="settings_change")[0].user == "sam"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_server_path_is_not_shown(home: Path, lang: str) -> None:
    """The settings file is named, but not where it lives on the server (that tells a user nothing and a visitor
    too much); a hand-edited bad value is named by the file too."""
    values = json.loads((home / "settings.json").read_text(encoding="utf-8"))
    (home / "settings.json").write_text(json.dumps({**values, "max_rows": "lots"}), encoding="utf-8")
    at = open_page(lang=lang)
    texts = shown_texts(at) + "\n".join(w.value for w in at.warning)
    assert str(home) not in texts
    expected = {"en": "Workspace settings, saved in the workspace's `settings.json`. They apply to everyone who "
                      "uses this workspace.",
                "zh": "工作区设置，保存在工作区的 `settings.json` 文件中。对使用此工作区的所有人生效。"}[lang]
    assert at.caption[0].value == expected
    warned = {"en": "Most rows per query: the value saved in the workspace's settings.json is not valid",
              "zh": "每次查询最多行数：工作区的 settings.json 中保存的值无效"}[lang]
    assert any(w.value.startswith(warned) for w in at.warning)
