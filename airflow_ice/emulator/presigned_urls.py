"""Presigned output URLs, as ICE answers them for private buckets, optionally with the caller's STS token.

With ``presign_output_urls`` every OSS URL in an answer (``https://bucket.oss-<region>.aliyuncs.com/key``,
also inside JSON text such as IProduction's ``Result``) gets a query that presigns it, alternately
in OSS signature V1 (``OSSAccessKeyId``, ``Expires``, ``Signature``, ``security-token``) and V4
(``x-oss-credential``, ``x-oss-date``, ``x-oss-expires``, ``x-oss-signature``,
``x-oss-security-token``). The token is the request's own STS token when it carried one (an answer
that echoes the caller's secret), else one the emulator makes up; the signatures are real
HMACs of the object with the emulator's AccessKey secret. A test then checks that none of it is
kept where it must not be.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from typing import Any
from urllib.parse import quote

from airflow_ice.emulator.request import IncomingRequest
from airflow_ice.emulator.seen_secrets import request_security_token

# An OSS URL without a query, alone or inside text.
_OSS_URL = re.compile(
    r"https://[a-z0-9][a-z0-9-]{1,61}[a-z0-9]\.oss-[a-z0-9-]+\.aliyuncs\.com/[^\s\"'<>\\?#]+"
)
EMULATOR_URL_TOKEN = "CAISemulatorPresignToken+/="
"""The STS token in presigned URLs of requests that carried none."""
URL_LIFETIME_SECONDS = 3600


class UrlPresigner:
    """Presigns the OSS URLs of one answer.

    :param access_key_id: the key named in the URLs.
    :param access_key_secret: the secret the signatures are made with.
    :param request: the request answered (its STS token goes into the URLs).
    """

    def __init__(self, access_key_id: str, access_key_secret: str, request: IncomingRequest) -> None:
        self.access_key_id = access_key_id
        self.secret = access_key_secret.encode()
        self.token = request_security_token(request) or EMULATOR_URL_TOKEN
        self.count = 0

    def answer(self, value: Any) -> Any:
        """``value`` (an answer body) with every OSS URL in its strings presigned."""
        if isinstance(value, str):
            return _OSS_URL.sub(lambda match: self.url(match.group(0)), value)
        if isinstance(value, dict):
            return {key: self.answer(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.answer(item) for item in value]
        return value

    def url(self, url: str) -> str:
        """One URL presigned, V1 and V4 in turn."""
        self.count += 1
        expires = int(time.time()) + URL_LIFETIME_SECONDS
        token = quote(self.token, safe="")
        if self.count % 2:
            to_sign = f"GET\n\n\n{expires}\n{url.split('.com', 1)[1]}?security-token={self.token}"
            signature = base64.b64encode(hmac.new(self.secret, to_sign.encode(), hashlib.sha1).digest())
            return (
                f"{url}?Expires={expires}&OSSAccessKeyId={quote(self.access_key_id, safe='')}"
                f"&Signature={quote(signature.decode(), safe='')}&security-token={token}"
            )
        date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        credential = quote(f"{self.access_key_id}/{date[:8]}/cn-shanghai/oss/aliyun_v4_request", safe="")
        signature_v4 = hmac.new(self.secret, f"{url}\n{date}".encode(), hashlib.sha256).hexdigest()
        return (
            f"{url}?x-oss-signature-version=OSS4-HMAC-SHA256&x-oss-credential={credential}"
            f"&x-oss-date={date}&x-oss-expires={URL_LIFETIME_SECONDS}&x-oss-signature={signature_v4}"
            f"&x-oss-security-token={token}"
        )
