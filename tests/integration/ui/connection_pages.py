"""The Airflow UI's connection pages as the tests use them (no tests here).

Elements are found the way a user finds them: by role, label and visible text. Two quirks of the
Airflow 3 form shape the selectors: extra fields' ``<label for>`` does not point at their input,
so an extra field is the field group (``role=group``) holding its label; and the Test button
sits in the connection's row of the list, not in the form.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from playwright.sync_api import Locator, Page, Request, Response, Route, expect

CONNECTIONS_PATH = "/connections"
TEST_PATH = "/api/v2/connections/test"
TEST_OK_TITLE = "Test Connection Successful"
TEST_FAILED_TITLE = "Test Connection Failed"
# Airflow 3.3.2's answer when the Test button sends ``port: 0`` for a connection stored without a
# port (the UI sends ``Number(null)``); fixed upstream in apache/airflow#73298.
PORTLESS_TEST_DEFECT = "The host or port to test differs from the stored connection"
# What Airflow's list sends for a stored secret: Airflow 3.1.0's test endpoint takes it as the
# secret (3.3 puts the stored one back).
MASKED_SECRET = "***"


def field_group(page: Page, scope: Page | Locator, label: str) -> Locator:
    """The form field (label, input, help text) in SCOPE whose label reads LABEL."""
    # ``has`` takes a locator relative to the group: one rooted at the page.
    return scope.get_by_role("group").filter(has=page.locator("label").get_by_text(label, exact=True))


class ConnectionDialog:
    """The Add/Edit Connection dialog.

    :param page: the page showing it.
    :param title: ``Add Connection`` or ``Edit Connection``.
    """

    def __init__(self, page: Page, title: str) -> None:
        self.page = page
        self.root = page.get_by_role("dialog").filter(has=page.get_by_role("heading", name=title))
        expect(self.root).to_be_visible()

    def choose_type(self, hook_name: str) -> list[str]:
        """Type HOOK_NAME in the Connection Type box, pick it; returns the options that were offered."""
        box = self.root.get_by_role("combobox", name="Connection Type")
        box.fill(hook_name)
        option = self.page.get_by_role("option", name=hook_name, exact=True)
        expect(option).to_be_visible()
        offered = self.page.get_by_role("option").all_inner_texts()
        option.click()
        expect(self.root.get_by_role("button", name="Standard Fields")).to_be_visible()
        return offered

    def open_section(self, name: str) -> None:
        """Expand an accordion section (``Standard Fields``, ``Extra Fields``, ...)."""
        trigger = self.root.get_by_role("button", name=name, exact=True)
        if trigger.get_attribute("aria-expanded") != "true":
            trigger.click()
        expect(trigger).to_have_attribute("aria-expanded", "true")

    def standard_input(self, label: str) -> Locator:
        """A standard field's input, by its (relabelled) label."""
        return self.root.get_by_label(label, exact=True)

    def extra_field(self, label: str) -> Locator:
        """An extra field's group, by its label (open ``Extra Fields`` first)."""
        return field_group(self.page, self.root, label)

    def save(self) -> None:
        """Press Save and wait for the dialog to close."""
        self.root.get_by_role("button", name="Save").click()
        expect(self.root).to_be_hidden()


@dataclass(frozen=True)
class ConnectionTestOutcome:
    """What pressing Test produced.

    :param http_status: the status of the UI's ``POST /api/v2/connections/test``.
    :param body: its JSON answer.
    :param request_body: what the UI sent.
    """

    http_status: int
    body: dict[str, Any]
    request_body: dict[str, Any]

    @property
    def is_portless_defect(self) -> bool:
        """Airflow refused the test because of the port the UI sends for a port-less connection."""
        detail = str(self.body.get("detail", ""))
        return (
            self.http_status == 400 and PORTLESS_TEST_DEFECT in detail and self.request_body.get("port") == 0
        )

    @property
    def is_masked_secret_defect(self) -> bool:
        """The test failed having been sent the masked secret, not the stored one (Airflow 3.1.0)."""
        return (
            self.http_status == 200
            and self.body.get("status") is False
            and self.request_body.get("password") == MASKED_SECRET
        )


class ConnectionsPage:
    """Admin > Connections.

    :param page: the browser tab.
    :param base_url: the api-server's URL.
    """

    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url
        self._typed_secret: str | None = None

    def open(self) -> ConnectionsPage:
        """Go to the list and wait for it."""
        self.page.goto(self.base_url + CONNECTIONS_PATH)
        expect(self.page.get_by_role("button", name="Add Connection")).to_be_visible()
        return self

    def add(self) -> ConnectionDialog:
        """Open the Add Connection dialog."""
        self.page.get_by_role("button", name="Add Connection").click()
        return ConnectionDialog(self.page, "Add Connection")

    def row(self, connection_id: str) -> Locator:
        """The list row of a connection."""
        cell = self.page.get_by_role("cell", name=connection_id, exact=True)
        return self.page.get_by_role("row").filter(has=cell)

    def edit(self, connection_id: str) -> ConnectionDialog:
        """Open the Edit Connection dialog of a connection."""
        self.row(connection_id).get_by_role("button", name="Edit Connection").click()
        return ConnectionDialog(self.page, "Edit Connection")

    def press_test(self, connection_id: str) -> ConnectionTestOutcome:
        """Press the row's Test button and return what the API answered."""
        with self.page.expect_response(_is_test_call) as answer:
            self.row(connection_id).get_by_role("button", name="Test Connection").click()
        response: Response = answer.value
        return ConnectionTestOutcome(response.status, response.json(), response.request.post_data_json or {})

    def toast(self, title: str, text: str) -> Locator:
        """The notification titled TITLE that says TEXT."""
        return self.page.get_by_role("status", name=title).filter(has_text=text)

    def send_port_as_unset(self) -> None:
        """Work around apache/airflow#73298 in this tab: the Test button's ``port: 0`` (from
        ``Number(null)``) goes out as null, which is what the upstream fix makes the API accept."""
        self.page.route(re.compile(re.escape(TEST_PATH) + r"$"), _port_zero_as_null)

    def send_typed_secret(self, secret: str) -> None:
        """Work around Airflow 3.1.0 in this tab: its Test button sends a stored connection's
        secret masked (``***``) and its API tests that, not the stored secret (3.3 puts it back).
        The test call then carries SECRET, what was typed into the form and saved."""
        first = self._typed_secret is None
        self._typed_secret = secret
        if first:
            self.page.route(re.compile(re.escape(TEST_PATH) + r"$"), self._unmask_secret)

    @property
    def sends_typed_secret(self) -> bool:
        """Whether :meth:`send_typed_secret` is at work in this tab."""
        return self._typed_secret is not None

    def _unmask_secret(self, route: Route, request: Request) -> None:
        body = request.post_data_json or {}
        if body.get("password") == MASKED_SECRET and self._typed_secret is not None:
            body["password"] = self._typed_secret
        route.fallback(post_data=json.dumps(body))


def _is_test_call(response: Response) -> bool:
    return response.request.method == "POST" and response.url.endswith(TEST_PATH)


def _port_zero_as_null(route: Route, request: Request) -> None:
    body = request.post_data_json or {}
    if body.get("port") == 0:
        body["port"] = None
    route.fallback(post_data=json.dumps(body))
