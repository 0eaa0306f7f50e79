"""Where attachment files live, behind one small interface: ``put``, ``get``, ``exists``,
``delete``, ``keys``.

Keys are content addresses (``files/<sha256>``, ``thumbnails/<sha256>.webp``): never the
user's file name, and the same file uploaded twice is stored once.

``KB_STORAGE_URL`` picks the backend:

* unset, or ``file:///absolute/path``: a local folder (default ``instance/uploads/``);
* ``s3://bucket?endpoint_url=https://s3.example.org&region=fr-par``: an S3-compatible store
  (boto3; credentials from the usual ``AWS_*`` variables or ``access_key``/``secret_key`` in
  the URL's query for a test server), so several hosts share the files.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, urlsplit

from flask import Flask, current_app

EXTENSION = "kb.attachments.storage"


class StorageError(RuntimeError):
    """The store cannot be reached or refused the operation (message in French)."""


class Storage(Protocol):
    def put(self, key: str, data: bytes, media_type: str) -> None: ...
    def get(self, key: str) -> bytes: ...
    def exists(self, key: str) -> bool: ...
    def delete(self, key: str) -> None: ...
    def keys(self) -> Iterator[str]: ...


def file_key(sha256: str) -> str:
    return f"files/{sha256}"


def thumbnail_key(sha256: str) -> str:
    return f"thumbnails/{sha256}.webp"


class LocalStorage:
    """Files in a folder; written to a temporary name then renamed, so a crash never leaves
    half a file under a real key."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        if ".." in key.split("/") or key.startswith("/"):
            raise StorageError(f"Clé de stockage invalide : {key!r}")
        return self.root / key

    def put(self, key: str, data: bytes, media_type: str = "") -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise KeyError(key) from None

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def keys(self) -> Iterator[str]:
        if not self.root.is_dir():
            return
        for path in sorted(self.root.rglob("*")):
            if path.is_file() and not path.name.startswith(".upload-"):
                yield path.relative_to(self.root).as_posix()


class S3Storage:
    """An S3-compatible bucket (AWS, Scaleway, OVH, MinIO, Garage…) through boto3."""

    def __init__(self, bucket: str, prefix: str = "", **client_options) -> None:
        import boto3
        from botocore.config import Config

        self.bucket, self.prefix = bucket, prefix.strip("/")
        self.client = boto3.client(
            "s3", config=Config(retries={"max_attempts": 3}, connect_timeout=5, read_timeout=30),
            **client_options)

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def put(self, key: str, data: bytes, media_type: str = "") -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data,
                               ContentType=media_type or "application/octet-stream")

    def get(self, key: str) -> bytes:
        from botocore.exceptions import ClientError

        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"].read()
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise KeyError(key) from None
            raise

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
            return True
        except ClientError:
            return False

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def keys(self) -> Iterator[str]:
        paginator = self.client.get_paginator("list_objects_v2")
        prefix = f"{self.prefix}/" if self.prefix else ""
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                yield item["Key"][len(prefix):]


def storage_from_url(url: str, default_root: str | Path) -> Storage:
    """The backend named by ``url`` (see the module's docstring)."""
    if not url:
        return LocalStorage(default_root)
    parts = urlsplit(url)
    if parts.scheme == "file":
        return LocalStorage(parts.path)
    if parts.scheme == "s3":
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        options = {name: query[param] for param, name in (
            ("endpoint_url", "endpoint_url"), ("region", "region_name"),
            ("access_key", "aws_access_key_id"), ("secret_key", "aws_secret_access_key"),
        ) if query.get(param)}
        return S3Storage(parts.netloc, parts.path, **options)
    raise StorageError(f"KB_STORAGE_URL non reconnu : {parts.scheme}:// (file:// ou s3://).")


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = storage_from_url(
        app.config.get("STORAGE_URL", ""), Path(app.instance_path) / "uploads")


def get_storage(app: Flask | None = None) -> Storage:
    return (app or current_app).extensions[EXTENSION]
