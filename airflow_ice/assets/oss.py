"""The ``oss://`` asset scheme: Alibaba Cloud OSS objects as Airflow assets and OpenLineage datasets.

``Asset("oss://bucket/processed/summary.mp4")`` is checked against OSS's naming rules when the DAG is
parsed (Airflow calls :func:`sanitize_uri` for every ``oss`` URI), and becomes the OpenLineage dataset
``namespace="oss://bucket", name="processed/summary.mp4"``. :meth:`OssObject.from_location` also reads
the HTTPS addresses ICE reports for finished jobs (``https://bucket.oss-cn-shanghai.aliyuncs.com/key``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import SplitResult, unquote, urlsplit

if TYPE_CHECKING:
    from airflow.providers.common.compat.openlineage.facet import Dataset as OpenLineageDataset
    from airflow.sdk import Asset

SCHEME = "oss"
# OSS bucket names: 3-63 characters, lower-case letters, digits and hyphens, starting and ending with a
# letter or digit. Object names: 1-1023 bytes of UTF-8, not starting with "/" or "\".
_BUCKET = re.compile(r"[a-z0-9][a-z0-9-]{1,61}[a-z0-9]")
MAX_KEY_BYTES = 1023
# Virtual-hosted OSS endpoints: bucket.oss-cn-shanghai.aliyuncs.com, ...-internal..., bucket.oss-accelerate...
_OSS_HOST = re.compile(r"(?P<bucket>[^.]+)\.oss-[a-z0-9-]+\.aliyuncs\.com")


class InvalidOssUriError(ValueError):
    """An ``oss://`` URI that does not name an OSS object (or prefix); the message says what is wrong."""


def check_bucket(bucket: str, uri: str) -> str:
    """Return ``bucket`` if it is a valid OSS bucket name.

    :param bucket: the bucket name.
    :param uri: the whole URI, named in the error.
    :raises InvalidOssUriError: the name breaks OSS's bucket naming rules.
    """
    if not bucket:
        raise InvalidOssUriError(f"OSS URI {uri!r} has no bucket: write oss://<bucket>/<object key>.")
    if not _BUCKET.fullmatch(bucket):
        raise InvalidOssUriError(
            f"OSS URI {uri!r}: bucket {bucket!r} is not a valid OSS bucket name (3-63 characters: lower-case "
            "letters, digits and hyphens, starting and ending with a letter or digit)."
        )
    return bucket


def check_key(key: str, uri: str) -> str:
    """Return ``key`` if it is a valid OSS object key (a trailing ``/`` names a prefix).

    :param key: the object key, without the leading ``/`` of the URI path.
    :param uri: the whole URI, named in the error.
    :raises InvalidOssUriError: the key is empty, too long, or has an empty segment.
    """
    if not key.strip("/"):
        raise InvalidOssUriError(
            f"OSS URI {uri!r} names no object: write oss://<bucket>/<object key>, e.g. oss://bucket/in/clip.mp4."
        )
    if key.startswith(("/", "\\")):
        raise InvalidOssUriError(f"OSS URI {uri!r}: the object key must not start with '/' or '\\'.")
    if "//" in key:
        raise InvalidOssUriError(f"OSS URI {uri!r}: the object key {key!r} has an empty segment ('//').")
    if len(key.encode("utf-8")) > MAX_KEY_BYTES:
        raise InvalidOssUriError(f"OSS URI {uri!r}: the object key is longer than {MAX_KEY_BYTES} bytes.")
    return key


@dataclass(frozen=True)
class OssObject:
    """One OSS object (or prefix, when the key ends with ``/``).

    :param bucket: the bucket name.
    :param key: the object key, e.g. ``processed/summary.mp4``.
    """

    bucket: str
    key: str

    @property
    def uri(self) -> str:
        """``oss://bucket/key``."""
        return f"{SCHEME}://{self.bucket}/{self.key}"

    @property
    def namespace(self) -> str:
        """The OpenLineage dataset namespace, ``oss://bucket``."""
        return f"{SCHEME}://{self.bucket}"

    @classmethod
    def parse(cls, uri: str) -> OssObject:
        """Parse and check ``oss://bucket/key``.

        :param uri: the URI.
        :raises InvalidOssUriError: it is not a valid OSS object URI.
        """
        return cls._from_parts(urlsplit(uri), uri)

    @classmethod
    def _from_parts(cls, parts: SplitResult, uri: str) -> OssObject:
        if parts.scheme != SCHEME:
            raise InvalidOssUriError(f"{uri!r} is not an OSS URI: it must start with oss://.")
        if parts.username is not None or parts.password is not None or parts.port is not None:
            raise InvalidOssUriError(
                f"OSS URI {uri!r}: write only the bucket after oss:// (no user, no port)."
            )
        if parts.query:
            raise InvalidOssUriError(f"OSS URI {uri!r}: an OSS object URI has no query ('?{parts.query}').")
        # The bucket as written (hostname would lower-case it: MyBucket would pass, or be quoted, as mybucket);
        # user, password and port were refused above, so netloc is the bucket alone.
        return cls(check_bucket(parts.netloc, uri), check_key(parts.path[1:], uri))

    @classmethod
    def from_location(cls, location: str) -> OssObject | None:
        """The OSS object at ``location``: ``oss://bucket/key`` or an OSS HTTPS address (signed ones too,
        the query is dropped); None for anything else (a media id, another host, an invalid name).

        :param location: what ICE reported or was given.
        """
        parts = urlsplit(location.strip())
        try:
            if parts.scheme == SCHEME:
                return cls._from_parts(parts._replace(query=""), location)
            host = _OSS_HOST.fullmatch(parts.hostname or "")
            if parts.scheme in ("https", "http") and host:
                bucket = check_bucket(host.group("bucket"), location)
                return cls(bucket, check_key(unquote(parts.path[1:]), location))
        except InvalidOssUriError:
            return None
        return None


def sanitize_uri(uri: SplitResult) -> SplitResult:
    """Airflow's normaliser for ``oss`` URIs: check the bucket and key (Airflow has already dropped
    trailing slashes and the fragment).

    :param uri: the split URI.
    :raises InvalidOssUriError: the URI does not name an OSS object.
    """
    OssObject._from_parts(uri, uri.geturl())
    return uri


def create_asset(*, bucket: str, key: str, extra: dict[str, Any] | None = None) -> Asset:
    """An ``oss://bucket/key`` asset (the ``factory`` of the scheme).

    :param bucket: the bucket name.
    :param key: the object key.
    :param extra: the asset's extra.
    :raises InvalidOssUriError: the bucket or key is invalid.
    """
    from airflow.sdk import Asset

    uri = f"{SCHEME}://{bucket}/{key.lstrip('/')}"
    return Asset(uri=OssObject.parse(uri).uri, extra=extra)


def convert_asset_to_openlineage(asset: Asset, lineage_context: Any) -> OpenLineageDataset:
    """The OpenLineage dataset of an ``oss://`` asset: namespace ``oss://bucket``, name = the key.

    :param asset: the asset.
    :param lineage_context: unused (required by Airflow's converter signature).
    """
    from airflow.providers.common.compat.openlineage.facet import Dataset as OpenLineageDataset

    target = OssObject.parse(asset.uri)
    return OpenLineageDataset(namespace=target.namespace, name=target.key)
