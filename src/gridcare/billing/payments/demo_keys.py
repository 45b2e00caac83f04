"""Keys of the demo payment world, generated once per installation (never in production).

The demo gateway plays WeChat Pay and Alipay; GridCare plays the merchant. Each side gets
its own RSA-2048 key pair per provider, plus WeChat's APIv3 key (32 characters) and
made-up merchant ids, written under `PAY_DEMO_KEYS_DIR`:

    wechat-merchant-private.pem / -public.pem   signs our API requests (the gateway checks)
    wechat-platform-private.pem / -public.pem   signs the gateway's answers and callbacks
    alipay-app-private.pem / -public.pem        signs our Alipay requests
    alipay-private.pem / alipay-public.pem      Alipay's pair (answers and notifies)
    wechat-apiv3.key                            encrypts callback resources (AES-256-GCM)
    manifest.json                               ids, serials and the key fingerprints

The folder is built beside its final name and renamed into place, so two processes that
start at once end up with one set. `billing.checks` refuses a deployment whose configured
keys have a fingerprint listed in a manifest here.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import string
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

_PAIRS = ("wechat-merchant", "wechat-platform", "alipay-app", "alipay")
APIV3_FILE = "wechat-apiv3.key"
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class DemoKeys:
    folder: Path
    wechat_mchid: str
    wechat_appid: str
    wechat_cert_serial: str
    wechat_public_key_id: str
    alipay_appid: str
    fingerprints: frozenset[str]

    def private(self, pair: str) -> Path:
        return self.folder / f"{pair}-private.pem"

    def public(self, pair: str) -> Path:
        return self.folder / f"{pair}-public.pem"

    def text(self, path: Path) -> str:
        return path.read_text(encoding="ascii")

    @property
    def apiv3_key(self) -> str:
        return (self.folder / APIV3_FILE).read_text(encoding="ascii").strip()


def key_fingerprint(pem: str | bytes) -> str:
    """SHA-256 of the public key (DER) in a private or public PEM; "" if it is neither."""
    data = pem.encode() if isinstance(pem, str) else pem
    try:
        public = serialization.load_pem_public_key(data)
    except ValueError:
        try:
            public = serialization.load_pem_private_key(data, password=None).public_key()
        except (ValueError, TypeError):
            return ""
    der = public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).hexdigest()


def secret_fingerprint(secret: str) -> str:
    return hashlib.sha256(b"apiv3:" + secret.encode()).hexdigest()


def demo_keys_load(folder: Path) -> DemoKeys | None:
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return DemoKeys(
        folder=folder,
        wechat_mchid=manifest["wechat_mchid"],
        wechat_appid=manifest["wechat_appid"],
        wechat_cert_serial=manifest["wechat_cert_serial"],
        wechat_public_key_id=manifest["wechat_public_key_id"],
        alipay_appid=manifest["alipay_appid"],
        fingerprints=frozenset(manifest["fingerprints"]),
    )


def demo_keys_ensure(folder: Path) -> DemoKeys:
    """The demo keys in `folder`, generated now if they are not there yet."""
    found = demo_keys_load(folder)
    if found is not None:
        return found
    folder.parent.mkdir(parents=True, exist_ok=True)
    draft = folder.parent / f".{folder.name}.{os.getpid()}.{secrets.token_hex(4)}"
    _write(draft)
    try:
        draft.rename(folder)
    except OSError:
        # Another process renamed its set into place first: use that one.
        shutil.rmtree(draft, ignore_errors=True)
    loaded = demo_keys_load(folder)
    if loaded is None:
        raise RuntimeError(f"demo payment keys could not be written to {folder}")
    return loaded


def _write(draft: Path) -> None:
    draft.mkdir(mode=0o700)
    fingerprints = []
    for pair in _PAIRS:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        private = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,  # the WeChat SDK reads PKCS#8 only
            serialization.NoEncryption(),
        )
        public = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        (draft / f"{pair}-private.pem").write_bytes(private)
        (draft / f"{pair}-public.pem").write_bytes(public)
        fingerprints.append(key_fingerprint(public))
    alphabet = string.ascii_letters + string.digits
    apiv3 = "".join(secrets.choice(alphabet) for _ in range(32))
    (draft / APIV3_FILE).write_text(apiv3, encoding="ascii")
    fingerprints.append(secret_fingerprint(apiv3))
    manifest = {
        "note": "GridCare demo payment keys: never use them outside the demo",
        "wechat_mchid": "19" + "".join(secrets.choice(string.digits) for _ in range(8)),
        "wechat_appid": "wxdemo" + secrets.token_hex(6),
        "wechat_cert_serial": secrets.token_hex(20).upper(),
        "wechat_public_key_id": "PUB_KEY_ID_" + secrets.token_hex(16).upper(),
        "alipay_appid": "2021" + "".join(secrets.choice(string.digits) for _ in range(12)),
        "fingerprints": fingerprints,
    }
    (draft / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
