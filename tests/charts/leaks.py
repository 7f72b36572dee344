"""Finds values derived from a secret (digests of the password or of the rendered Secret) in
rendered chart output: what someone who may read pods, but not Secrets, could brute-force
offline. Shared by the offline render tests and the install tests."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable

#: Digests a chart could plausibly publish (sprig: sha1sum, sha256sum, sha512sum, adler32sum; md5 via
#: toolchains; the rest for good measure).
ALGORITHMS = ("md5", "sha1", "sha224", "sha256", "sha384", "sha512", "sha3_256", "blake2b")


def secret_texts(manifest: str) -> list[str]:
    """Texts a chart could hash to fingerprint its Secrets, from a `helm template` / `helm get
    manifest` output: every Secret document as helm printed it, and the whole output of each
    template holding a Secret (its documents joined by `---`, what `include "secret.yaml"` gives)."""
    parts = re.split(r"^---\n# Source: (\S+)\n", manifest, flags=re.M)
    by_source: dict[str, list[str]] = {}
    for source, body in zip(parts[1::2], parts[2::2], strict=True):
        by_source.setdefault(source, []).append(body.removesuffix("\n"))
    out: list[str] = []
    for docs in by_source.values():
        secrets = [d for d in docs if re.search(r"^kind: Secret$", d, flags=re.M)]
        out += secrets
        if secrets and len(docs) > 1:
            out.append("\n---\n".join(docs))
    return out


def derived_values(password: str, secret_texts: Iterable[str] = ()) -> dict[str, str]:
    """Strings a manifest must not contain outside the Secret's data, each with what it is: the
    password, its base64 form, and hex (and base64) digests of the password, of its base64 form
    and of each Secret text (see :func:`secret_texts`; with the leading/trailing newlines helm may
    add or strip around an included template)."""
    sources = {"password": password, "base64(password)": base64.b64encode(password.encode()).decode()}
    for i, body in enumerate(secret_texts):
        for lead in ("", "\n"):
            for trail in ("", "\n"):
                sources[f"secret text {i} {lead!r}+{trail!r}"] = lead + body.removesuffix("\n") + trail
    out = {sources["password"]: "the password", sources["base64(password)"]: "base64(password)"}
    for name, value in sources.items():
        for algo in ALGORITHMS:
            digest = hashlib.new(algo, value.encode())
            out[digest.hexdigest()] = f"{algo}({name}) hex"
            out[base64.b64encode(digest.digest()).decode()] = f"{algo}({name}) base64"
    return out


def redact_secret_data(manifest: str, data_values: Iterable[str]) -> str:
    """The manifest without the Secrets' data values (where the password legitimately is)."""
    for value in sorted(set(data_values), key=len, reverse=True):
        if value:
            manifest = manifest.replace(value, "<secret data>")
    return manifest


def leaks(text: str, derived: dict[str, str]) -> list[str]:
    """What of ``derived`` appears in ``text``, case-insensitively for hex digests."""
    low = text.lower()
    return sorted({what for value, what in derived.items() if value in text or value.lower() in low})
