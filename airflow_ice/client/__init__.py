"""The ICE HTTP engine: everything between a call's parameters and its parsed answer, no Airflow.

Modules, each with one job (imports point down this list, never up):

- :mod:`~airflow_ice.client.engine`: :class:`IceClient`, one connection's calls, sync and async;
- :mod:`~airflow_ice.client.outcome`: each attempt's outcome (refused, done, unknown), decided once;
- :mod:`~airflow_ice.client.retry`: waits between attempts, and running them with tenacity;
- :mod:`~airflow_ice.client.rate_limit`: per-endpoint token buckets;
- :mod:`~airflow_ice.client.pool`: async transports shared by every hook of a process;
- :mod:`~airflow_ice.client.aiohttp_transport`, :mod:`~airflow_ice.client.httpx_transport`: the
  transports, behind the :mod:`~airflow_ice.client.transport` protocols;
- :mod:`~airflow_ice.client.wire`: parameters to strings, signed requests, bodies to bytes;
- :mod:`~airflow_ice.client.tls`, :mod:`~airflow_ice.client.deadline`,
  :mod:`~airflow_ice.client.redaction`, :mod:`~airflow_ice.client.config`,
  :mod:`~airflow_ice.client.endpoint`;
- :mod:`~airflow_ice.client.signing`: ACS3-HMAC-SHA256 and RPC 1.0 signatures (pure).

Importing this package imports none of them: aiohttp, httpx and tenacity load on the first call.
"""
