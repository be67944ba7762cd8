"""Secrets of every credential source (base AccessKey Secret, temporary secrets and STS tokens, the
OIDC token) stay out of logs, reprs, error messages, trigger kwargs and XCom."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from airflow_ice.client.config import config_from_connection
from airflow_ice.credentials import resolve_credentials_provider
from airflow_ice.credentials.refreshing import RefreshingCredentialsProvider
from airflow_ice.emulator import IceEmulator
from airflow_ice.errors import IceCredentialsError
from airflow_ice.hooks.ice import IceHook
from airflow_ice.operators.iproduction import IceIProductionJobOperator
from tests.support.credentials import ecs_connection, oidc_connection, ram_role_connection, write_token
from tests.support.dags import new_dag, run_dag, task_states
from tests.support.emulator import ManualClock

pytestmark = pytest.mark.usefixtures("clean_credentials")

BASE_SECRET = "base-secret-Zq8Kx1"
OIDC_TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJwb2QifQ.c2lnbmF0dXJlLXNlY3JldA"
COVER = {
    "function_name": "Cover",
    "input": {"Type": "OSS", "Media": "oss://bucket/in/clip.mp4"},
    "output": {"Type": "OSS", "Media": "oss://bucket/out/cover/"},
}


@pytest.fixture
def ice(job_clock: ManualClock) -> Any:
    # Jobs (and issued STS tokens) age only when a test moves the clock, so a slow machine cannot
    # finish a job before the task gets to defer.
    with IceEmulator(
        access_key_secret=BASE_SECRET, oidc_tokens=[OIDC_TOKEN], job_seconds=0.3, clock=job_clock
    ) as emulator:
        yield emulator


def secrets_of(emulator: IceEmulator) -> list[str]:
    """Every secret in play: the base secret, the OIDC token, and every issued secret and token."""
    issued = emulator.state.temporary_keys.issued()
    assert issued, "no temporary credentials were issued: the test would prove nothing"
    values = [BASE_SECRET, OIDC_TOKEN]
    for key in issued:
        values += [key.access_key_secret, key.security_token]
    return values


def assert_no_secret(text: str, secrets: list[str]) -> None:
    for secret in secrets:
        assert secret not in text


async def test_logs_of_every_source_hold_no_secret(
    ice: IceEmulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    token_file = write_token(tmp_path / "token", OIDC_TOKEN)
    connections = {
        "ice_ram": ram_role_connection(ice),
        "ice_oidc": oidc_connection(ice, token_file),
        "ice_ecs": ecs_connection(ice),
    }
    for conn_id, connection in connections.items():
        monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", connection)
    with caplog.at_level(logging.DEBUG), caplog.at_level(logging.DEBUG, logger="httpx"):
        for conn_id in connections:
            async with IceHook(conn_id) as hook:
                job_id = await hook.asubmit_iproduction_job(COVER)
                await hook.aquery_iproduction_job(job_id)
            with IceHook(conn_id) as hook:
                hook.query_iproduction_job(job_id)
                assert hook.test_connection()[0]
    messages = "\n".join(record.getMessage() for record in caplog.records)
    assert "HTTP Request" in messages  # httpx did log every request...
    assert "AssumeRole" in messages  # ...the STS ones included
    assert_no_secret(messages, secrets_of(ice))


def test_reprs_hold_no_secret(ice: IceEmulator, tmp_path: Path) -> None:
    token_file = write_token(tmp_path / "token", OIDC_TOKEN)
    texts: list[str] = []
    for connection in (ram_role_connection(ice), oidc_connection(ice, token_file), ecs_connection(ice)):
        conn = json.loads(connection)
        config = config_from_connection(
            conn_id="c", login=conn.get("login"), password=conn.get("password"), extra=conn["extra"]
        )
        provider = resolve_credentials_provider(
            config.stored_credentials, config.credential_settings, environ={}
        )
        credentials = provider.get_credentials()
        assert isinstance(provider, RefreshingCredentialsProvider)
        texts += [
            repr(config),
            repr(provider),
            repr(provider.fetcher),
            repr(provider.cache),
            repr(provider.cache.current),
            repr(credentials),
            provider.describe(),
        ]
    texts += [repr(key) for key in ice.state.temporary_keys.issued()]
    texts.append(repr(ice.sts_settings))
    assert_no_secret("\n".join(texts), secrets_of(ice))


def test_error_messages_hold_no_secret(ice: IceEmulator, tmp_path: Path) -> None:
    def failure(connection: str) -> str:
        conn = json.loads(connection)
        config = config_from_connection(
            conn_id="c", login=conn.get("login"), password=conn.get("password"), extra=conn["extra"]
        )
        provider = resolve_credentials_provider(
            config.stored_credentials, config.credential_settings, environ={}
        )
        with pytest.raises(IceCredentialsError) as raised:
            provider.get_credentials()
        return str(raised.value)

    wrong_key = json.loads(ram_role_connection(ice))
    wrong_key["password"] = "wrong-" + BASE_SECRET
    ice.configure_sts(oidc_tokens=["something-else"])
    messages = [
        failure(json.dumps(wrong_key)),
        failure(oidc_connection(ice, write_token(tmp_path / "token", OIDC_TOKEN))),
        failure(ram_role_connection(ice, role_arn="acs:ram::1:role/none")),
    ]
    assert "SignatureDoesNotMatch" in messages[0]
    assert "AuthenticationFail.OIDCToken.Invalid" in messages[1]
    assert "EntityNotExist.Role" in messages[2]
    assert_no_secret("\n".join(messages), [BASE_SECRET, OIDC_TOKEN])


def test_deferred_task_keeps_secrets_out_of_trigger_kwargs_xcom_and_logs(
    ice: IceEmulator,
    job_clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import airflow.sdk.definitions.dag as dag_module

    monkeypatch.setenv("AIRFLOW_CONN_ICE_DEFAULT", ram_role_connection(ice, max_retries=1, timeout=5))
    # Record the trigger exactly as the task deferred with it (dag.test runs it in process).
    deferred: list[tuple[str, dict[str, Any]]] = []
    run_inline = dag_module._run_inline_trigger

    def recording(trigger: Any, ti: Any) -> Any:
        deferred.append(trigger.serialize())
        job_clock.advance(1)  # the job finishes only once the task has deferred
        return run_inline(trigger, ti)

    monkeypatch.setattr(dag_module, "_run_inline_trigger", recording)
    dag = new_dag("credentials_secrets")
    with dag:
        IceIProductionJobOperator(task_id="cover", deferrable=True, poll_interval=0.1, **COVER)
    with caplog.at_level(logging.DEBUG), caplog.at_level(logging.DEBUG, logger="httpx"):
        run = run_dag(dag)
    assert task_states(run) == {"cover": "success"}
    assert ice.counters().requests["AssumeRole"] >= 1

    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        xcoms = session.scalars(
            select(XComModel).where(XComModel.dag_id == run.dag_id, XComModel.run_id == run.run_id)
        ).all()
        stored = [json.dumps(XComModel.deserialize_value(row), default=str) for row in xcoms]
    assert stored, "the task pushed no XCom: the test would prove nothing"
    assert len(deferred) == 1
    classpath, kwargs = deferred[0]
    assert classpath == "airflow_ice.triggers.iproduction.IceIProductionJobTrigger"
    assert kwargs["ice_conn_id"] == "ice_default"
    triggers = [json.dumps(kwargs, default=str)]
    everything = "\n".join([*stored, *triggers, caplog.text, *capsys.readouterr()])
    assert_no_secret(everything, secrets_of(ice))
